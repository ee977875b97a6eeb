//! The terminal under faults, in a real terminal (tmux): SIGTERM and SIGHUP end the explorer with the terminal restored (cooked mode, main screen) and
//! status 128 + signal; a damaged store is named on the main screen after quitting, with status 2.

mod common;

use common::tmux::Tmux;

use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

/// Waits for `text`, then returns the screen.
fn screen_with(t: &Tmux, text: &str) -> String {
    t.wait_for(text, LIMIT);
    t.screen()
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
        t.wait_for("Overview", LIMIT);
        signal(sig, &path);
        let screen = screen_with(&t, &format!("EXITED {status}"));
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
    t.wait_for("kpiscope cannot show this store", LIMIT);
    t.keys(&["q"]);
    let screen = screen_with(&t, "EXITED 2");
    assert!(screen.contains(&format!("kpiscope: {}: the file is damaged", path.display())), "{screen}");
    assert!(screen.contains("icanon") && screen.contains("echo"), "cooked mode again:\n{screen}");
    assert!(!screen.contains("panicked"), "{screen}");
}
