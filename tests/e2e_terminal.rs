//! The real binary in a real terminal (tmux): it starts on a store, draws the Overview, answers keys, and
//! shows a change that another process commits (`kpiscope simulate`) within 2 seconds. CI installs tmux
//! (.ci/run); without it this test fails rather than pass without looking.

mod common;

use common::tmux::Tmux;

use std::process::Command;
use std::time::Duration;

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
