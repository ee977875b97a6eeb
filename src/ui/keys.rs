//! The command registry: one table of (keys, name, help, context, action) that drives key handling, the
//! `?` help overlay and the footer hints, so help can never drift from the keys. Custom bindings from
//! the config replace a command's keys by name.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, View};

/// Where a command works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Everywhere,
    /// views with a table
    Table,
    Periods,
    Flags,
}

#[derive(Debug, Clone)]
pub struct Command {
    pub name: &'static str,
    pub keys: Vec<String>,
    pub help: &'static str,
    pub context: Context,
    /// shown in the footer of its context
    pub hint: bool,
    pub action: fn() -> Action,
}

macro_rules! cmd {
    ($name:literal, [$($k:literal),*], $help:literal, $ctx:ident, $hint:literal, $action:expr) => {
        Command { name: $name, keys: vec![$($k.to_string()),*], help: $help, context: Context::$ctx, hint: $hint, action: $action }
    };
}

/// The default commands, in help order.
pub fn default_commands() -> Vec<Command> {
    vec![
        cmd!("down", ["j", "Down"], "move down", Everywhere, false, || Action::Down),
        cmd!("up", ["k", "Up"], "move up", Everywhere, false, || Action::Up),
        cmd!("page-down", ["PageDown", "Ctrl-d"], "page down", Everywhere, false, || Action::PageDown),
        cmd!("page-up", ["PageUp", "Ctrl-u"], "page up", Everywhere, false, || Action::PageUp),
        cmd!("top", ["Home"], "first row", Everywhere, false, || Action::Top),
        cmd!("bottom", ["G", "End"], "last row", Everywhere, false, || Action::Bottom),
        cmd!("open", ["Enter", "l", "Right"], "drill down into the selected row", Everywhere, true, || Action::Enter),
        cmd!("back", ["Esc", "Backspace", "h", "Left"], "go back", Everywhere, true, || Action::Back),
        cmd!("next-view", ["Tab"], "next view", Everywhere, true, || Action::NextView),
        cmd!("prev-view", ["BackTab"], "previous view", Everywhere, false, || Action::PrevView),
        cmd!("overview", ["1"], "Overview view", Everywhere, false, || Action::Show(View::Overview)),
        cmd!("sellers", ["2"], "Sellers view", Everywhere, false, || Action::Show(View::Sellers)),
        cmd!("products", ["3"], "Products view", Everywhere, false, || Action::Show(View::Products)),
        cmd!("periods", ["4"], "Periods view", Everywhere, false, || Action::Show(View::Periods)),
        cmd!("flags", ["5"], "Flags view", Everywhere, false, || Action::Show(View::Flags)),
        cmd!("period-next", ["p"], "next period (7d 30d 90d 365d mtd qtd ytd all)", Everywhere, true, || {
            Action::PeriodNext
        }),
        cmd!("period-prev", ["P"], "previous period", Everywhere, false, || Action::PeriodPrev),
        cmd!("compare", ["c"], "compare with: previous period / a year earlier / nothing", Everywhere, true, || {
            Action::Compare
        }),
        cmd!("granularity", ["g"], "day / week / month buckets", Periods, true, || Action::Granularity),
        cmd!("sort", ["s"], "sort by the next column", Table, true, || Action::SortNext),
        cmd!("sort-reverse", ["S"], "reverse the sort", Table, false, || Action::SortReverse),
        cmd!("filter", ["/"], "filter the table (fuzzy)", Table, true, || Action::StartFilter),
        cmd!("breaches", ["b"], "only breaches / all flags", Flags, true, || Action::BreachesOnly),
        cmd!("jump", [":"], "jump to a seller, product or category by name", Everywhere, false, || Action::StartJump),
        cmd!("export", ["e"], "export the table in view to CSV", Table, false, || Action::Export),
        cmd!("freeze", ["f"], "freeze / unfreeze live updates", Everywhere, false, || Action::Freeze),
        cmd!("reload", ["r"], "reload the store now", Everywhere, false, || Action::Reload),
        cmd!(
            "data-quality",
            ["D"],
            "what in the store breaks kpiscope's assumptions, and what it does",
            Everywhere,
            false,
            || { Action::Quality }
        ),
        cmd!("help", ["?"], "this help", Everywhere, true, || Action::Help),
        cmd!("suspend", ["Ctrl-z"], "suspend to the shell (fg comes back)", Everywhere, false, || Action::Suspend),
        cmd!("quit", ["q", "Ctrl-c"], "quit", Everywhere, true, || Action::Quit),
    ]
}

/// Applies `name = ["key", ...]` overrides from the config; unknown names are errors.
pub fn with_overrides(mut cmds: Vec<Command>, keys: &BTreeMap<String, Vec<String>>) -> Result<Vec<Command>, String> {
    for (name, keys) in keys {
        let c = cmds.iter_mut().find(|c| c.name == name).ok_or_else(|| format!("[ui.keys] no command '{name}'"))?;
        for k in keys {
            parse_key(k).ok_or_else(|| format!("[ui.keys] {name}: cannot read key '{k}'"))?;
        }
        c.keys = keys.clone();
    }
    Ok(cmds)
}

/// A key as written in the registry: "j", "G", "Ctrl-d", "Enter", "PageDown".
pub fn parse_key(s: &str) -> Option<(KeyCode, KeyModifiers)> {
    let (mods, key) = match s.strip_prefix("Ctrl-") {
        Some(k) => (KeyModifiers::CONTROL, k),
        None => (KeyModifiers::NONE, s),
    };
    let code = match key {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Backspace" => KeyCode::Backspace,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        k if k.chars().count() == 1 => KeyCode::Char(k.chars().next()?),
        _ => return None,
    };
    Some((code, mods))
}

fn matches(spec: &str, key: &KeyEvent) -> bool {
    let Some((code, mods)) = parse_key(spec) else { return false };
    let key_mods = key.modifiers - KeyModifiers::SHIFT;
    match (code, key.code) {
        (KeyCode::Char(a), KeyCode::Char(b)) => a == b && mods == key_mods,
        (a, b) => a == b && mods == key_mods,
    }
}

fn applies(ctx: Context, view: View) -> bool {
    match ctx {
        Context::Everywhere => true,
        Context::Table => view != View::Overview,
        Context::Periods => view == View::Periods,
        Context::Flags => view == View::Flags,
    }
}

/// The action of a key in a view, if any command has it.
pub fn action_for(cmds: &[Command], key: &KeyEvent, view: View) -> Option<Action> {
    cmds.iter().find(|c| applies(c.context, view) && c.keys.iter().any(|k| matches(k, key))).map(|c| (c.action)())
}

/// Whether a key belongs to the named command (for keys that work even over input fields and panels).
pub fn is_command(cmds: &[Command], key: &KeyEvent, name: &str) -> bool {
    cmds.iter().any(|c| c.name == name && c.keys.iter().any(|k| matches(k, key)))
}

/// Footer hints of a view: "key name" pairs.
pub fn hints(cmds: &[Command], view: View) -> Vec<(String, &'static str)> {
    cmds.iter()
        .filter(|c| c.hint && applies(c.context, view))
        .map(|c| (display_key(c.keys.first().map(String::as_str).unwrap_or("")), c.name))
        .collect()
}

/// Help lines: keys, what they do, and where.
pub fn help(cmds: &[Command]) -> Vec<(String, &'static str, &'static str)> {
    cmds.iter()
        .map(|c| {
            let keys: Vec<String> = c.keys.iter().map(|k| display_key(k)).collect();
            let ctx = match c.context {
                Context::Everywhere => "",
                Context::Table => "tables",
                Context::Periods => "Periods",
                Context::Flags => "Flags",
            };
            (keys.join(" "), c.help, ctx)
        })
        .collect()
}

fn display_key(k: &str) -> String {
    match k {
        "Enter" => "⏎".into(),
        "Esc" => "esc".into(),
        "Tab" => "tab".into(),
        "BackTab" => "S-tab".into(),
        "Up" => "↑".into(),
        "Down" => "↓".into(),
        "Left" => "←".into(),
        "Right" => "→".into(),
        "Backspace" => "⌫".into(),
        k => k.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_parses_and_every_command_has_a_key() {
        for c in default_commands() {
            assert!(!c.keys.is_empty(), "{}", c.name);
            for k in &c.keys {
                assert!(parse_key(k).is_some(), "{}: {k}", c.name);
            }
        }
    }

    #[test]
    fn overrides_replace_keys_and_refuse_unknown_names() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["x".to_string()]);
        let cmds = with_overrides(default_commands(), &o).expect("ok");
        let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
        assert!(matches!(action_for(&cmds, &x, View::Overview), Some(Action::Quit)));
        o.insert("quitt".to_string(), vec!["y".to_string()]);
        assert!(with_overrides(default_commands(), &o).is_err());
    }
}
