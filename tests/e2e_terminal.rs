//! The real binary in a real terminal (tmux): it starts on a store, draws the Overview, answers keys, and
//! shows a change that another process commits (`kpiscope simulate`) within 2 seconds. CI installs tmux
//! (.ci/run); without it this test fails rather than pass without looking.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux(String);

impl Tmux {
    fn start(name: &str, cmd: &str) -> Tmux {
        let _ = Command::new("tmux").args(["kill-session", "-t", name]).output();
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", name, "-x", "120", "-y", "40", cmd])
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux is needed for this test (apt-get install tmux)");
        assert!(ok.success(), "tmux new-session failed");
        Tmux(name.to_string())
    }
    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.0]).output().expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.0.as_str()];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().expect("send-keys").success());
    }
    /// Waits until the screen contains `text`; returns how long it took.
    fn wait_for(&self, text: &str, limit: Duration) -> Duration {
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
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).output();
    }
}

#[test]
fn explorer_runs_in_a_terminal_and_shows_another_process_commit() {
    let (dir, path) = common::handmade_store();
    let bin = env!("CARGO_BIN_EXE_kpiscope");
    let home = dir.path().display();
    // An own HOME keeps logs and config of the machine out of the test; `; sleep` keeps the pane readable.
    let cmd =
        format!("HOME={home} XDG_STATE_HOME={home} {bin} {} --no-mouse; echo EXITED $?; sleep 30", path.display());
    let t = Tmux::start(&format!("kpiscope-e2e-{}", std::process::id()), &cmd);
    t.wait_for("Service grade", Duration::from_secs(10));
    let screen = t.screen();
    assert!(screen.contains("All sellers") && screen.contains("Last 90 days vs previous 90"), "{screen}");
    assert!(screen.contains("│7 "), "7 orders on the Orders tile:\n{screen}");

    // Keys: the Sellers view, then drill into Beta Shop and back.
    t.keys(&["2"]);
    t.wait_for("Beta Shop", Duration::from_secs(2));
    t.keys(&["j", "Enter"]);
    t.wait_for("All sellers › Beta Shop", Duration::from_secs(2));
    // (Esc alone: Esc followed at once by a key reads as Alt-key, in tmux as in any terminal.)
    t.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(150));
    t.keys(&["1"]);
    t.wait_for("Service grade", Duration::from_secs(2));
    assert!(!t.screen().contains("› Beta Shop"), "Esc went back to all sellers:\n{}", t.screen());

    // Another process commits 12 orders; the explorer shows them within 2 seconds.
    let out = Command::new(bin)
        .args(["simulate", path.to_str().expect("utf8"), "--count", "12", "--rate", "1000"])
        .output()
        .expect("simulate");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let took = t.wait_for("+12 orders", Duration::from_secs(2));
    assert!(t.screen().contains("│19 "), "19 orders after the commit:\n{}", t.screen());
    eprintln!("change on screen {took:?} after the commit");

    // q quits and the terminal comes back (the shell prints the exit status).
    t.keys(&["q"]);
    t.wait_for("EXITED 0", Duration::from_secs(3));
}
