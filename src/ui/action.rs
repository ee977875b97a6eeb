//! Everything that can change the explorer's state. Keys, mouse, the worker and timers all become an
//! `Action`; `App::update` is the only place that applies them.

use std::sync::Arc;

use crate::engine::Model;
use crate::flags::Flag;
use crate::ui::worker::ReviewRow;

/// The explorer's views (tabs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Overview,
    Sellers,
    Products,
    Periods,
    Flags,
}

impl View {
    pub const ALL: [View; 5] = [View::Overview, View::Sellers, View::Products, View::Periods, View::Flags];
    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Sellers => "Sellers",
            View::Products => "Products",
            View::Periods => "Periods",
            View::Flags => "Flags",
        }
    }
    pub fn index(self) -> usize {
        View::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub enum Action {
    Quit,
    /// Hand the terminal back to the shell and stop (Ctrl-Z); `fg` resumes.
    Suspend,
    NextView,
    PrevView,
    Show(View),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// drill down into the selected row
    Enter,
    /// back to the previous scope or view
    Back,
    SortNext,
    SortReverse,
    PeriodNext,
    PeriodPrev,
    Granularity,
    Compare,
    /// start typing a filter (`/`) or a jump target (`:`)
    StartFilter,
    StartJump,
    Input(char),
    InputBackspace,
    InputDone,
    InputCancel,
    Export,
    Freeze,
    Reload,
    Help,
    /// the data-quality panel, open or closed
    Quality,
    BreachesOnly,
    /// a mouse click at (column, row)
    Click(u16, u16),
    ScrollUp,
    ScrollDown,
    Resize(u16, u16),
    Tick,
    /// from the worker
    Progress(String, f64),
    /// a new model, with its red flags (evaluated by the worker, not on the UI thread); `None` while they
    /// are being evaluated (after a commit the KPIs are shown first; `Judged` brings the flags)
    Loaded {
        model: Arc<Model>,
        flags: Option<Vec<Flag>>,
        elapsed_ms: u64,
        /// read from the model cache: live changes follow once the worker has read the store (`Following`)
        cached: bool,
    },
    /// the red flags of a model sent without them
    Judged {
        model: Arc<Model>,
        flags: Vec<Flag>,
    },
    /// the worker has read the store behind a cached model and now follows its commits
    Following,
    /// the views of every period of the current model are computed (`warm`)
    Warmed {
        elapsed_ms: u64,
    },
    Reviews {
        product: u32,
        rows: Vec<ReviewRow>,
    },
    /// The store could not be read just now (a lock, a damaged page): the data on screen is as of `since`
    /// (unix seconds), and the worker keeps retrying.
    Stale {
        since: i64,
        why: String,
    },
    Failed(String),
}
