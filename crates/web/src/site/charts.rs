//! Charts drawn on the server as SVG: no script, no external assets. Each chart is an image with a
//! title and a description for screen readers; the page puts the table with the same figures beside it.

use maud::{html, Markup};

/// One bar: its label, its length as a share of the longest (0–1), and the text written after it.
pub struct Bar {
    pub label: String,
    pub share: f64,
    pub text: String,
}

const LABEL_W: f64 = 250.0;
const BAR_W: f64 = 300.0;
const ROW_H: f64 = 26.0;

fn cut(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// A horizontal bar chart. `id` makes the title and description referable (unique on the page).
pub fn bars(id: &str, title: &str, desc: &str, rows: &[Bar]) -> Markup {
    let h = ROW_H * rows.len() as f64 + 8.0;
    let w = LABEL_W + BAR_W + 110.0;
    html! {
        svg.chart role="img" aria-labelledby=(format!("{id}-t {id}-d")) viewBox=(format!("0 0 {w} {h}")) width=(w) height=(h) xmlns="http://www.w3.org/2000/svg" {
            title id=(format!("{id}-t")) { (title) }
            desc id=(format!("{id}-d")) { (desc) }
            @for (i, r) in rows.iter().enumerate() {
                @let y = 4.0 + ROW_H * i as f64;
                text x=(LABEL_W - 8.0) y=(y + 17.0) text-anchor="end" { (cut(&r.label, 30)) }
                rect x=(LABEL_W) y=(y + 4.0) width=(format!("{:.1}", (BAR_W * r.share.clamp(0.0, 1.0)).max(1.0))) height=(ROW_H - 8.0) {}
                text x=(LABEL_W + BAR_W * r.share.clamp(0.0, 1.0) + 6.0) y=(y + 17.0) { (r.text) }
            }
        }
    }
}

/// A column chart over time: one column a period, the label of every `label_every`-th period under it.
pub fn columns(id: &str, title: &str, desc: &str, points: &[(String, u64)], label_every: usize) -> Markup {
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let col = (640.0 / points.len().max(1) as f64).clamp(3.0, 24.0);
    let (left, top, plot_h) = (48.0, 10.0, 180.0);
    let w = left + col * points.len() as f64 + 10.0;
    let h = top + plot_h + 30.0;
    html! {
        svg.chart role="img" aria-labelledby=(format!("{id}-t {id}-d")) viewBox=(format!("0 0 {w} {h}")) width=(w) height=(h) xmlns="http://www.w3.org/2000/svg" {
            title id=(format!("{id}-t")) { (title) }
            desc id=(format!("{id}-d")) { (desc) }
            line.axis x1=(left) y1=(top + plot_h) x2=(w - 10.0) y2=(top + plot_h) {}
            text x=(left - 6.0) y=(top + 10.0) text-anchor="end" { (max as u64) }
            text x=(left - 6.0) y=(top + plot_h) text-anchor="end" { "0" }
            @for (i, (label, n)) in points.iter().enumerate() {
                @let x = left + col * i as f64;
                @let bh = plot_h * (*n as f64) / max;
                @if *n > 0 {
                    rect x=(format!("{:.1}", x + 1.0)) y=(format!("{:.1}", top + plot_h - bh)) width=(format!("{:.1}", (col - 2.0).max(1.0))) height=(format!("{:.1}", bh)) {}
                }
                @if label_every > 0 && i % label_every == 0 {
                    text x=(format!("{:.1}", x)) y=(top + plot_h + 18.0) { (label) }
                }
            }
        }
    }
}
