//! The KPI gauge: one line where the scale is shaded by the KPI's good/warn/bad zones, the value is a solid
//! bar, and the peers' median is a `┃` mark. Zones use shades as well as colour (░ good, ▒ warn, ▓ bad), so
//! it reads in mono too.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::ui::data::GaugeData;
use crate::ui::theme::Theme;

pub struct BandGauge<'a> {
    pub data: &'a GaugeData,
    pub theme: &'a Theme,
}

impl Widget for BandGauge<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let d = self.data;
        let w = area.width as usize;
        if w == 0 || area.height == 0 {
            return;
        }
        let span = (d.max - d.min).max(1e-12);
        let at = |v: f64| (((v - d.min) / span).clamp(0.0, 1.0) * w as f64).round() as usize;
        let filled = at(d.value);
        let peer = d.peer.map(|p| at(p).min(w - 1));
        for i in 0..w {
            // the value's share of the scale at the middle of this cell
            let v = d.min + (i as f64 + 0.5) / w as f64 * span;
            let zone = match (d.higher_better, v) {
                (true, v) if v < d.bad => 2,
                (true, v) if v < d.warn => 1,
                (false, v) if v >= d.bad => 2,
                (false, v) if v >= d.warn => 1,
                _ => 0,
            };
            let (sym, style) = if Some(i) == peer {
                ("┃", self.theme.bar)
            } else if i < filled {
                ("█", self.theme.zones[zone])
            } else {
                (["░", "▒", "▓"][zone], self.theme.zones[zone].patch(self.theme.dim))
            };
            if let Some(cell) = buf.cell_mut((area.x + i as u16, area.y)) {
                cell.set_symbol(sym).set_style(style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_value_and_peer() {
        let d = GaugeData {
            value: 0.02,
            min: 0.0,
            max: 0.08,
            warn: 0.03,
            bad: 0.04,
            peer: Some(0.06),
            higher_better: false,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 8, 1));
        BandGauge { data: &d, theme: &Theme::mono() }.render(buf.area, &mut buf);
        let text: String = (0..8).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        // 2% of 8% fills 2 cells; 3–4% is warn, ≥ 4% bad; the median 6% sits at cell 6.
        assert_eq!(text, "██░▒▓▓┃▓");
    }
}
