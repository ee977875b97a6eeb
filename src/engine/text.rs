//! Text from the store, made safe to show: control characters (escape sequences, bells, carriage
//! returns, C1 controls, bidirectional overrides) become visible placeholders, and huge values are cut,
//! so nothing in a product title or a review can move the cursor, recolour or clear the user's terminal.

/// Longest name, title or reference kept (characters); longer ones end with an ellipsis.
pub const NAME_CHARS: usize = 300;
/// Longest review body kept for display (characters).
pub const BODY_CHARS: usize = 2_000;

/// `s` with line breaks and tabs as spaces, every other control or direction-override character as `�`,
/// cut to `max` characters.
pub fn clean(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max.saturating_mul(4)));
    for (n, c) in s.chars().enumerate() {
        if n + 1 > max {
            out.push('…');
            break;
        }
        out.push(match c {
            // Line breaks and tabs inside a one-line field read as spaces.
            '\n' | '\r' | '\t' => ' ',
            c if unsafe_char(c) => '\u{FFFD}',
            c => c,
        });
    }
    out
}

/// Whether `s` needed cleaning (for the data-quality counts).
pub fn needs_cleaning(s: &str, max: usize) -> bool {
    s.chars().any(unsafe_char) || s.chars().nth(max).is_some()
}

fn unsafe_char(c: char) -> bool {
    // C0 and C1 controls (ESC, CSI...), and the bidirectional controls that reorder what follows them.
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_huge_text_are_defused() {
        assert_eq!(clean("Mug\u{1b}[2J\u{1b}]0;pwned\u{7}", 100), "Mug\u{FFFD}[2J\u{FFFD}]0;pwned\u{FFFD}");
        assert_eq!(clean("a\u{9b}31mb\r\n", 100), "a\u{FFFD}31mb  ");
        assert_eq!(clean("abc\u{202E}def", 100), "abc\u{FFFD}def");
        assert_eq!(clean(&"x".repeat(1_000_000), 5), "xxxxx…");
        assert_eq!(clean("Crème brûlée ✓", 100), "Crème brûlée ✓");
        assert!(needs_cleaning("a\u{1b}", 10) && needs_cleaning("abcdef", 3) && !needs_cleaning("abc", 3));
    }
}
