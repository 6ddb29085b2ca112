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

/// A horizontal bar chart. `id` makes the title and description referable (unique on the page). Short
/// labels stand left of their bars; when a label is long, every label stands above its bar instead.
/// `label_lang` marks labels written in another language than the page.
pub fn bars(id: &str, title: &str, desc: &str, rows: &[Bar], label_lang: Option<&str>) -> Markup {
    let above = rows.iter().any(|r| r.label.chars().count() > 30);
    let (label_w, row_h) = if above { (0.0, ROW_H + 18.0) } else { (LABEL_W, ROW_H) };
    let h = row_h * rows.len() as f64 + 8.0;
    let w = LABEL_W + BAR_W + 110.0;
    let bar_w = if above { w - 110.0 } else { BAR_W };
    html! {
        svg.chart role="img" aria-labelledby=(format!("{id}-t {id}-d")) viewBox=(format!("0 0 {w} {h}")) width=(w) height=(h) xmlns="http://www.w3.org/2000/svg" {
            title id=(format!("{id}-t")) { (title) }
            desc id=(format!("{id}-d")) { (desc) }
            @for (i, r) in rows.iter().enumerate() {
                @let y = 4.0 + row_h * i as f64;
                @let share = r.share.clamp(0.0, 1.0);
                @if above {
                    text x="0" y=(y + 13.0) lang=[label_lang] { (cut(&r.label, 95)) }
                } @else {
                    text x=(label_w - 8.0) y=(y + 17.0) text-anchor="end" lang=[label_lang] { (cut(&r.label, 30)) }
                }
                @let bar_y = if above { y + 18.0 } else { y };
                rect x=(label_w) y=(bar_y + 4.0) width=(format!("{:.1}", (bar_w * share).max(1.0))) height=(ROW_H - 8.0) {}
                text x=(format!("{:.1}", label_w + bar_w * share + 6.0)) y=(bar_y + 17.0) { (r.text) }
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
