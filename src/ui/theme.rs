//! Themes: dark, light and mono. Status and selection never rely on colour alone: statuses carry a symbol
//! (✓ ! ✗) and the selection is drawn in reversed video, so mono (and `NO_COLOR`) lose nothing.

use ratatui::style::{Color, Modifier, Style};

use crate::config::Status;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub name: &'static str,
    pub text: Style,
    pub dim: Style,
    pub accent: Style,
    pub good: Style,
    pub warn: Style,
    pub bad: Style,
    pub selected: Style,
    pub title: Style,
    /// gauge zones (good, warn, bad) and the value bar
    pub zones: [Style; 3],
    pub bar: Style,
}

impl Theme {
    pub fn dark() -> Self {
        Theme {
            name: "dark",
            text: Style::new().fg(Color::Gray),
            dim: Style::new().fg(Color::DarkGray),
            accent: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            good: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            bad: Style::new().fg(Color::LightRed).add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            title: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
            zones: [Style::new().fg(Color::Green), Style::new().fg(Color::Yellow), Style::new().fg(Color::Red)],
            bar: Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
        }
    }

    pub fn light() -> Self {
        Theme {
            name: "light",
            text: Style::new().fg(Color::Black),
            dim: Style::new().fg(Color::DarkGray),
            accent: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
            good: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Magenta),
            bad: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            title: Style::new().fg(Color::Black).add_modifier(Modifier::BOLD),
            zones: [Style::new().fg(Color::Green), Style::new().fg(Color::Magenta), Style::new().fg(Color::Red)],
            bar: Style::new().fg(Color::Black).add_modifier(Modifier::BOLD),
        }
    }

    /// No colour at all: bold, dim and reversed video only.
    pub fn mono() -> Self {
        let plain = Style::new();
        Theme {
            name: "mono",
            text: plain,
            dim: plain.add_modifier(Modifier::DIM),
            accent: plain.add_modifier(Modifier::BOLD),
            good: plain,
            warn: plain.add_modifier(Modifier::BOLD),
            bad: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            selected: plain.add_modifier(Modifier::REVERSED),
            title: plain.add_modifier(Modifier::BOLD),
            zones: [plain.add_modifier(Modifier::DIM), plain, plain.add_modifier(Modifier::BOLD)],
            bar: plain.add_modifier(Modifier::BOLD),
        }
    }

    /// By name; `NO_COLOR` (any value) forces mono.
    pub fn named(name: &str, no_color: bool) -> Option<Self> {
        if no_color {
            return Some(Theme::mono());
        }
        match name {
            "dark" => Some(Theme::dark()),
            "light" => Some(Theme::light()),
            "mono" => Some(Theme::mono()),
            _ => None,
        }
    }

    pub fn status(&self, s: Status) -> Style {
        match s {
            Status::Good => self.good,
            Status::Warn => self.warn,
            Status::Bad => self.bad,
            Status::NotApplicable => self.text,
        }
    }
}

/// The symbol of a status, shown next to coloured values.
pub fn mark(s: Status) -> &'static str {
    match s {
        Status::Good => "✓",
        Status::Warn => "!",
        Status::Bad => "✗",
        Status::NotApplicable => " ",
    }
}
