//! The terminal under faults, in a real terminal (tmux): SIGTERM and SIGHUP end the explorer with the terminal restored (cooked mode, main screen) and
//! status 128 + signal; a damaged store is named on the main screen after quitting, with status 2.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux(String);

impl Tmux {
    fn start(name: &str, cmd: &str) -> Tmux {
        let _ = Command::new("tmux").args(["-L", name, "kill-server"]).output();
        let ok = Command::new("tmux")
            .args(["-L", name, "new-session", "-d", "-s", name, "-x", "120", "-y", "40", cmd])
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux is needed for this test (apt-get install tmux)");
        assert!(ok.success(), "tmux new-session failed");
        Tmux(name.to_string())
    }
    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.0, "capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["-L", self.0.as_str(), "send-keys", "-t", self.0.as_str()];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().expect("send-keys").success());
    }
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "'{text}' not on screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.0, "kill-server"]).output();
    }
}

/// A shell line that runs the explorer on `store`, then prints its status and the terminal's mode.
fn session(name: &str, store: &std::path::Path) -> Tmux {
    let bin = env!("CARGO_BIN_EXE_kpiscope");
    let home = store.parent().expect("dir").display();
    let cmd = format!(
        "HOME={home} XDG_STATE_HOME={home} {bin} {} --no-mouse; echo EXITED $?; stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo; sleep 30",
        store.display()
    );
    Tmux::start(&format!("{name}-{}", std::process::id()), &cmd)
}

fn signal(sig: &str, store: &std::path::Path) {
    let bin = env!("CARGO_BIN_EXE_kpiscope");
    let pattern = format!("^{bin} {}", store.display());
    assert!(Command::new("pkill").args([sig, "-f", &pattern]).status().expect("pkill").success(), "signal sent");
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for (sig, status) in [("-TERM", 143), ("-HUP", 129)] {
        let (_dir, path) = common::handmade_store();
        let t = session(&format!("kpiscope-sig{}", &sig[1..]), &path);
        t.wait_for("Overview");
        signal(sig, &path);
        let screen = t.wait_for(&format!("EXITED {status}"));
        assert!(screen.contains("icanon") && screen.contains("echo"), "cooked mode again:\n{screen}");
        assert!(!screen.contains("Overview"), "back on the main screen:\n{screen}");
    }
}

#[test]
fn a_damaged_store_is_named_after_the_terminal_is_restored() {
    let (_dir, path) = common::handmade_store();
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
    let t = session("kpiscope-damaged", &path);
    t.wait_for("kpiscope cannot show this store");
    t.keys(&["q"]);
    let screen = t.wait_for("EXITED 2");
    assert!(screen.contains(&format!("kpiscope: {}: the file is damaged", path.display())), "{screen}");
    assert!(screen.contains("icanon") && screen.contains("echo"), "cooked mode again:\n{screen}");
    assert!(!screen.contains("panicked"), "{screen}");
}
