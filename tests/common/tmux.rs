//! A terminal for tests: a tmux session on its own server socket (so parallel tests never meet), read with
//! `capture-pane` and typed into with `send-keys`. CI installs tmux (.ci/run); without it these tests fail
//! rather than pass without looking.

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux(String);

impl Tmux {
    /// A 120×40 session running `cmd`.
    pub fn start(name: &str, cmd: &str) -> Tmux {
        let _ = Command::new("tmux").args(["-L", name, "kill-server"]).output();
        let ok = Command::new("tmux")
            .args(["-L", name, "new-session", "-d", "-s", name, "-x", "120", "-y", "40", cmd])
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux is needed for this test (apt-get install tmux)");
        assert!(ok.success(), "tmux new-session failed");
        Tmux(name.to_string())
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.0, "capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["-L", self.0.as_str(), "send-keys", "-t", self.0.as_str()];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().expect("send-keys").success());
    }

    /// Waits until the screen contains `text`; returns how long it took.
    pub fn wait_for(&self, text: &str, limit: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return start.elapsed();
            }
            assert!(start.elapsed() < limit, "'{text}' not on screen after {limit:?}:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.0, "kill-server"]).output();
    }
}
