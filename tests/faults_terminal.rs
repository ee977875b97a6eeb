//! The terminal under faults, in a real terminal (tmux): SIGTERM and SIGHUP end the explorer with the terminal
//! restored (cooked mode, main screen) and status 128 + signal; Ctrl-Z and SIGTSTP give a cooked terminal back to
//! the shell and `fg` brings the explorer back where it was; a damaged store is named on the main screen after
//! quitting, with status 2.

mod common;

use common::tmux::Tmux;

use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(20);

/// Waits for `text` and for the terminal's mode to be printed after it, then returns the screen.
fn screen_with(t: &Tmux, text: &str) -> String {
    t.wait_for(text, LIMIT);
    t.wait_for("TTY-CHECKED", LIMIT);
    t.screen()
}

/// A shell line that runs the explorer on `store`, then prints its status and the terminal's mode.
fn session(name: &str, store: &std::path::Path) -> Tmux {
    let bin = env!("CARGO_BIN_EXE_kpiscope");
    let home = store.parent().expect("dir").display();
    let cmd = format!(
        "HOME={home} XDG_STATE_HOME={home} {bin} {} --no-mouse; echo EXITED $?; stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo; echo TTY-CHECKED; sleep 30",
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

/// The lines of the screen that are not blank, for messages.
fn shown(t: &Tmux) -> String {
    t.screen().lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join("\n")
}

#[test]
fn ctrl_z_and_sigtstp_suspend_and_fg_resumes() {
    let (_dir, path) = common::handmade_store();
    let bin = env!("CARGO_BIN_EXE_kpiscope");
    let home = path.parent().expect("dir").display();
    let t = Tmux::start(
        &format!("kpiscope-tstp-{}", std::process::id()),
        &format!("env HOME={home} XDG_STATE_HOME={home} PS1='$ ' bash --norc --noprofile -i"),
    );
    t.wait_for("$", LIMIT);
    t.keys(&[&format!("{bin} {} --no-mouse", path.display()), "Enter"]);
    t.wait_for("Overview", LIMIT);
    t.keys(&["2"]);
    t.wait_for("Net sales", LIMIT);
    let cooked = "stty -a | tr ' ' '\\n' | grep -x -c -e icanon -e echo";
    for (round, stop) in [(1, "Ctrl-Z"), (2, "SIGTSTP")] {
        if round == 1 {
            t.keys(&["C-z"]);
        } else {
            signal("-TSTP", &path);
        }
        t.wait_for("Stopped", LIMIT);
        t.keys(&["clear; echo COOKED $(", cooked, ")", "Enter"]);
        t.wait_for("COOKED 2", LIMIT);
        assert!(!shown(&t).contains("Net sales"), "{stop}: the shell's screen, not the explorer's:\n{}", shown(&t));
        t.keys(&["fg", "Enter"]);
        // Back in the same view (Sellers, not the Overview it started on), drawn whole.
        t.wait_for("Net sales", LIMIT);
        let screen = t.screen();
        assert!(screen.contains("kpiscope ·") && screen.contains("Flags"), "{stop}: header and tabs:\n{screen}");
        assert!(!screen.contains("COOKED"), "{stop}: nothing of the shell's left on screen:\n{screen}");
    }
    t.keys(&["q"]);
    // The shell's screen back (a "$" was on it before); keys typed before the explorer has let the terminal
    // go are the explorer's.
    let gone = std::time::Instant::now();
    while shown(&t).contains("Net sales") && gone.elapsed() < LIMIT {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    t.keys(&["clear; echo EXITED $? COOKED $(", cooked, ")", "Enter"]);
    t.wait_for("EXITED 0 COOKED 2", LIMIT);
}
