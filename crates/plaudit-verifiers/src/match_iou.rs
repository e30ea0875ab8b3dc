//! `match.iou`: the overlap of the predicted boxes with the reference
//! boxes, for visual grounding.
//!
//! ## What it does
//!
//! Reads the boxes in the extracted answer (by default the whole
//! response) and in the sample's reference, pairs them one to one so that
//! the total IoU (intersection over union) is as high as possible (the
//! Hungarian method), and scores
//!
//! ```text
//! value = Σ over pairs IoU(reference box, predicted box) / max(#reference, #predicted)
//! ```
//!
//! in [0, 1]: one box against one box is their IoU, and every box left
//! unpaired — a reference box missed, a predicted box too many — counts 0.
//! With `penalize_extra = false` the divisor is the number of reference
//! boxes, so extra predicted boxes cost nothing and one reference box
//! scores the best IoU among the predicted ones. With `threshold = t`,
//! each pair counts 1 when its IoU is at least `t` and 0 otherwise (the
//! pairing is the same), so one box against one box scores 1 or 0.
//!
//! A box is written `[x1, y1, x2, y2]` or `(x1, y1, x2, y2)` — four
//! integers or decimals, the corners top-left and bottom-right — anywhere
//! in the text, which covers JSON such as `{"bbox_2d": [x1, y1, x2, y2]}`;
//! or Qwen-VL's `<box>(x1,y1),(x2,y2)</box>`. The reference is one box
//! (a list of four numbers), a list of boxes, an object with `bbox_2d` or
//! `bbox`, a list of such objects, or a text read as the response is.
//!
//! Details: `boxes` (the predicted boxes as read), `matches` (each pair's
//! `reference` and `box` indices and `iou`), `extracted` when the answer is
//! not the whole response, `truncated` when boxes past the 64th were
//! ignored, and a `reason` when the value is 0.
//!
//! ## Why
//!
//! Grounding answers are boxes, and "right or wrong" is too coarse a
//! signal for them: IoU rewards a box for how close it is, which is what
//! Mixed-R1 and the R1-style visual grounding work train with. A threshold
//! turns it into the accuracy at IoU ≥ 0.5 that grounding benchmarks
//! report.
//!
//! ## Example
//!
//! ```toml
//! [[aspect]]
//! name = "grounding"
//! kind = "match.iou"
//! extract = "answer_tag"
//! ```
//!
//! ## Edge cases
//!
//! - No reference, or one that cannot hold boxes (a number, an object
//!   without `bbox`/`bbox_2d`): not applicable. A reference that should
//!   but does not read (a list of three numbers, a text without a box):
//!   failed, saying why.
//! - No box in the answer: 0 with `reason`. No answer found by the
//!   extraction: 0 with `extracted: null`.
//! - Corners given in the wrong order (x2 < x1 or y2 < y1) are swapped. A
//!   box of zero width or height overlaps nothing: IoU 0, and the reason
//!   says so. Coordinates are not converted: both sides must use the same
//!   system (pixels, 0–1 or 0–1000).
//! - Any list of four numbers counts as a box, so write boxes in an answer
//!   tag when the reasoning mentions other quadruples.
//! - At most 64 boxes are read from a response (the rest are ignored and
//!   `truncated` is set) and from a reference (more fails). The scan is
//!   linear in the text; the pairing is cubic in 64 at worst.
//!
//! ## References
//!
//! - Xu et al., *Mixed-R1: Unified Reward Perspective for Reasoning
//!   Capability in Multimodal Large Language Models* (2025): the IoU reward
//!   for grounding.
//! - Everingham et al., *The PASCAL Visual Object Classes (VOC) Challenge*
//!   (2010): IoU and the 0.5 threshold.

use memchr::memchr3;
use serde::Deserialize;
use serde_json::{Map, Value};

use plaudit_core::{
    Aspect, BuildContext, BuildError, Context, Evaluation, KindEntry, Sample, json_type,
};

use crate::assignment;
use crate::deadline::{Ticker, timed_out};
use crate::extract::{Extract, Extractor, no_answer};
use crate::match_exact::default_answer_tag;
use crate::reference::NO_REFERENCE;
use crate::text::preview;

/// The kind's registry entry.
pub const ENTRY: KindEntry = KindEntry {
    kind: "match.iou",
    summary: "IoU of the predicted boxes with the reference boxes, paired one to one",
    version: 1,
    build,
};

/// The most boxes read from one text or reference.
const MAX_BOXES: usize = 64;

/// The parameters of `match.iou`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the boxes are (default `"response"`).
    #[serde(default)]
    pub extract: Extract,
    /// The tag of `extract = "answer_tag"` (default `"answer"`).
    #[serde(default = "default_answer_tag")]
    pub answer_tag: String,
    /// The IoU a pair needs to count 1, in (0, 1] (default none: a pair
    /// counts its IoU).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Whether predicted boxes beyond the reference's count against the
    /// value (default `true`).
    #[serde(default = "yes")]
    pub penalize_extra: bool,
}

fn yes() -> bool {
    true
}

fn build(params: &Map<String, Value>, _: &BuildContext) -> Result<Box<dyn Aspect>, BuildError> {
    let config: Config = BuildError::parse_params(params)?;
    if let Some(t) = config.threshold
        && !(t > 0.0 && t <= 1.0)
    {
        return Err(BuildError::param(
            "threshold",
            format!("threshold = {t} is not in (0, 1]"),
        ));
    }
    Ok(Box::new(MatchIou {
        extractor: Extractor::build(&config.extract, &config.answer_tag)?,
        threshold: config.threshold,
        penalize_extra: config.penalize_extra,
    }))
}

#[derive(Debug)]
struct MatchIou {
    extractor: Extractor,
    threshold: Option<f64>,
    penalize_extra: bool,
}

/// An axis-aligned box with `x1 ≤ x2` and `y1 ≤ y2`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bbox([f64; 4]);

impl Bbox {
    /// The box of two corners, in either order.
    fn new([a, b, c, d]: [f64; 4]) -> Self {
        Self([a.min(c), b.min(d), a.max(c), b.max(d)])
    }

    fn area(&self) -> f64 {
        let [x1, y1, x2, y2] = self.0;
        (x2 - x1) * (y2 - y1)
    }

    fn iou(&self, other: &Bbox) -> f64 {
        let ([a1, b1, a2, b2], [c1, d1, c2, d2]) = (self.0, other.0);
        let width = (a2.min(c2) - a1.max(c1)).max(0.0);
        let height = (b2.min(d2) - b1.max(d1)).max(0.0);
        let inter = width * height;
        let iou = inter / (self.area() + other.area() - inter);
        // 0/0 for two empty boxes, inf/inf for coordinates whose areas
        // overflow: no overlap to reward.
        if iou.is_finite() { iou } else { 0.0 }
    }

    fn to_json(self) -> Value {
        Value::from(self.0.to_vec())
    }
}

/// The boxes written in `text`, in order, at most [`MAX_BOXES`], and
/// whether more were left; `None` when the deadline passed.
fn boxes_in(text: &str, ticker: &mut Ticker<'_>) -> Option<(Vec<Bbox>, bool)> {
    let bytes = text.as_bytes();
    let mut boxes = Vec::new();
    let mut pos = 0;
    while let Some(off) = memchr3(b'[', b'(', b'<', &bytes[pos..]) {
        let at = pos + off;
        if ticker.expired(at) {
            return None;
        }
        let found = match bytes[at] {
            b'[' => quadruple(bytes, at + 1, b']'),
            b'(' => quadruple(bytes, at + 1, b')'),
            _ => box_tag(bytes, at),
        };
        let Some((corners, end)) = found else {
            pos = at + 1;
            continue;
        };
        if boxes.len() == MAX_BOXES {
            return Some((boxes, true));
        }
        boxes.push(Bbox::new(corners));
        pos = end;
    }
    Some((boxes, false))
}

/// A tiny cursor over the bytes of a box.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn skip_space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// Consumes `expected` after optional whitespace.
    fn eat(&mut self, expected: &[u8]) -> Option<()> {
        self.skip_space();
        let found = self.bytes.get(self.at..)?.starts_with(expected);
        found.then(|| self.at += expected.len())
    }

    /// A finite decimal number after optional whitespace: sign, digits,
    /// fraction, exponent.
    fn number(&mut self) -> Option<f64> {
        self.skip_space();
        let start = self.at;
        let digits = |c: &mut Self| {
            let from = c.at;
            while c.bytes.get(c.at).is_some_and(u8::is_ascii_digit) {
                c.at += 1;
            }
            c.at - from
        };
        if matches!(self.bytes.get(self.at), Some(b'+' | b'-')) {
            self.at += 1;
        }
        let mut mantissa = digits(self);
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            mantissa += digits(self);
        }
        if mantissa == 0 {
            return None;
        }
        if matches!(self.bytes.get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.bytes.get(self.at), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        // The bytes are ASCII by construction.
        let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        text.parse::<f64>().ok().filter(|v| v.is_finite())
    }

    /// `a, b` — two comma-separated numbers.
    fn pair(&mut self) -> Option<[f64; 2]> {
        let a = self.number()?;
        self.eat(b",")?;
        Some([a, self.number()?])
    }
}

/// Four comma-separated numbers from `start` up to `close`, and the index
/// after `close`.
fn quadruple(bytes: &[u8], start: usize, close: u8) -> Option<([f64; 4], usize)> {
    let mut c = Cursor { bytes, at: start };
    let [a, b] = c.pair()?;
    c.eat(b",")?;
    let [x, y] = c.pair()?;
    c.eat(&[close])?;
    Some(([a, b, x, y], c.at))
}

/// `<box>(x1,y1),(x2,y2)</box>` at `start`, and the index after it.
fn box_tag(bytes: &[u8], start: usize) -> Option<([f64; 4], usize)> {
    let mut c = Cursor { bytes, at: start };
    c.eat(b"<box>")?;
    c.eat(b"(")?;
    let [a, b] = c.pair()?;
    c.eat(b")")?;
    c.eat(b",")?;
    c.eat(b"(")?;
    let [x, y] = c.pair()?;
    c.eat(b")")?;
    c.eat(b"</box>")?;
    Some(([a, b, x, y], c.at))
}

/// Why the reference boxes could not be read.
enum Unread {
    Bad(String),
    TimedOut,
}

/// The reference boxes; `None` when the reference cannot hold boxes.
fn reference_boxes(reference: &Value, cx: &Context) -> Option<Result<Vec<Bbox>, Unread>> {
    let mut boxes = Vec::new();
    let read = match reference {
        Value::String(text) => match boxes_in(text, &mut Ticker::new(cx)) {
            None => return Some(Err(Unread::TimedOut)),
            Some((_, true)) => Err(too_many()),
            Some((found, false)) => {
                boxes = found;
                Ok(())
            }
        },
        Value::Array(items) => match box_of(items) {
            Some(b) => push(&mut boxes, b),
            None => items.iter().try_for_each(|item| match item {
                Value::Object(m) => bbox_field(m, &mut boxes),
                other => push(&mut boxes, as_box(other)?),
            }),
        },
        Value::Object(m) if m.contains_key("bbox_2d") || m.contains_key("bbox") => {
            bbox_field(m, &mut boxes)
        }
        _ => return None,
    };
    Some(match read {
        Err(e) => Err(Unread::Bad(e)),
        Ok(()) if boxes.is_empty() => Err(Unread::Bad("the reference has no box".into())),
        Ok(()) => Ok(boxes),
    })
}

/// The box of a list of four numbers.
fn box_of(items: &[Value]) -> Option<Bbox> {
    let [a, b, c, d] = items else { return None };
    Some(Bbox::new([
        a.as_f64()?,
        b.as_f64()?,
        c.as_f64()?,
        d.as_f64()?,
    ]))
}

/// The box `v` must be.
fn as_box(v: &Value) -> Result<Bbox, String> {
    match v {
        Value::Array(items) => box_of(items).ok_or_else(|| {
            format!(
                "a list of {} items where a box [x1, y1, x2, y2] was expected",
                items.len()
            )
        }),
        other => Err(format!(
            "{} where a box [x1, y1, x2, y2] was expected",
            json_type(other)
        )),
    }
}

/// The box or boxes of an object's `bbox_2d` (or `bbox`).
fn bbox_field(m: &Map<String, Value>, boxes: &mut Vec<Bbox>) -> Result<(), String> {
    match m.get("bbox_2d").or_else(|| m.get("bbox")) {
        None => Err("an object in the reference has no \"bbox_2d\" or \"bbox\"".into()),
        Some(Value::Array(items)) if box_of(items).is_none() && !items.is_empty() => {
            items.iter().try_for_each(|item| push(boxes, as_box(item)?))
        }
        Some(v) => push(boxes, as_box(v)?),
    }
}

fn push(boxes: &mut Vec<Bbox>, b: Bbox) -> Result<(), String> {
    if boxes.len() == MAX_BOXES {
        return Err(too_many());
    }
    boxes.push(b);
    Ok(())
}

fn too_many() -> String {
    format!("the reference has more than {MAX_BOXES} boxes, the most this kind reads")
}

impl Aspect for MatchIou {
    fn evaluate(&self, sample: &Sample, cx: &Context) -> Evaluation {
        let Some(reference) = sample.reference.as_ref() else {
            return Evaluation::not_applicable(NO_REFERENCE);
        };
        let references = match reference_boxes(reference, cx) {
            None => {
                return Evaluation::not_applicable(format!(
                    "the reference is {}, not boxes (a box [x1, y1, x2, y2], a list of boxes, an object with \"bbox_2d\" or \"bbox\", or a text)",
                    json_type(reference)
                ));
            }
            Some(Err(Unread::TimedOut)) => return timed_out(cx),
            Some(Err(Unread::Bad(e))) => return Evaluation::failed(format!("the reference: {e}")),
            Some(Ok(boxes)) => boxes,
        };
        let Some(answer) = self.extractor.extract(sample.response.text()) else {
            return no_answer(&self.extractor);
        };
        let Some((boxes, truncated)) = boxes_in(answer, &mut Ticker::new(cx)) else {
            return timed_out(cx);
        };
        let mut e = self.score(&references, &boxes);
        if !self.extractor.is_whole_response() {
            e = e.with("extracted", preview(answer));
        }
        if truncated {
            e = e.with("truncated", true);
        }
        e
    }
}

impl MatchIou {
    fn score(&self, references: &[Bbox], boxes: &[Bbox]) -> Evaluation {
        if boxes.is_empty() {
            return Evaluation::scored(0.0)
                .with("boxes", Vec::<Value>::new())
                .with("reason", "no box found");
        }
        let ious: Vec<f64> = references
            .iter()
            .flat_map(|r| boxes.iter().map(|b| r.iou(b)))
            .collect();
        let pairs = assignment::max_weight(&ious, references.len(), boxes.len());
        let mut total = 0.0;
        let mut matches = Vec::new();
        for (r, b) in pairs.into_iter().enumerate() {
            let Some(b) = b else { continue };
            let iou = ious[r * boxes.len() + b];
            total += match self.threshold {
                Some(t) => f64::from(u8::from(iou >= t)),
                None => iou,
            };
            matches.push(serde_json::json!({"reference": r, "box": b, "iou": iou}));
        }
        let divisor = if self.penalize_extra {
            references.len().max(boxes.len())
        } else {
            references.len()
        };
        let value = total / divisor as f64;
        let e = Evaluation::scored(value)
            .with(
                "boxes",
                boxes.iter().map(|b| b.to_json()).collect::<Vec<_>>(),
            )
            .with("matches", matches);
        if value > 0.0 {
            return e;
        }
        let reason = if let Some(i) = boxes.iter().position(|b| b.area() == 0.0) {
            format!("predicted box {} has zero area", i + 1)
        } else if let Some(i) = references.iter().position(|b| b.area() == 0.0) {
            format!("reference box {} has zero area", i + 1)
        } else if let Some(t) = self.threshold {
            format!("no predicted box reaches IoU {t} with a reference box")
        } else {
            "no predicted box overlaps a reference box".into()
        };
        e.with("reason", reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plaudit_core::Status;
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::Duration;
    use test_case::test_case;

    fn run(params: Value, response: &str, reference: Option<Value>) -> Evaluation {
        let a = build(params.as_object().unwrap(), &BuildContext::default()).unwrap();
        let mut sample = Sample::new("s", response);
        sample.reference = reference;
        a.evaluate(&sample, &Context::with_timeout(Duration::from_secs(1)))
    }

    fn value(params: Value, response: &str, reference: Value) -> f64 {
        let e = run(params, response, Some(reference));
        e.outcome
            .value()
            .unwrap_or_else(|| panic!("not scored: {e:?}"))
    }

    fn read(text: &str) -> Vec<[f64; 4]> {
        let cx = Context::with_timeout(Duration::from_secs(1));
        let (boxes, _) = boxes_in(text, &mut Ticker::new(&cx)).unwrap();
        boxes.into_iter().map(|b| b.0).collect()
    }

    #[test_case("[10, 20, 30, 40]", &[[10.0, 20.0, 30.0, 40.0]])]
    #[test_case("(0.1,0.2,0.3,0.4)", &[[0.1, 0.2, 0.3, 0.4]])]
    #[test_case("<box>(10,20),(30,40)</box>", &[[10.0, 20.0, 30.0, 40.0]])]
    #[test_case("<box> ( 10 , 20 ) , ( 30 , 40 ) </box>", &[[10.0, 20.0, 30.0, 40.0]])]
    #[test_case(r#"[{"bbox_2d": [1, 2, 3, 4], "label": "cat"}, {"bbox": [5.5, 6, 7, 8e1]}]"#, &[[1.0, 2.0, 3.0, 4.0], [5.5, 6.0, 7.0, 80.0]])]
    #[test_case("[[1, 2, 3, 4], [5, 6, 7, 8]]", &[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])]
    #[test_case("[30, 40, 10, 20]", &[[10.0, 20.0, 30.0, 40.0]]; "corners are reordered")]
    #[test_case("[-5, +2, .5, 1.]", &[[-5.0, 1.0, 0.5, 2.0]]; "signs and bare points")]
    #[test_case("[1, 2, 3]", &[]; "three numbers")]
    #[test_case("[1, 2, 3, 4, 5]", &[]; "five numbers")]
    #[test_case("[1, 2, x, 4] (1e999, 0, 1, 1) [1,,2,3,4] [1 2 3 4]", &[]; "not boxes")]
    #[test_case("<box>(1,2),(3,4)", &[]; "unclosed tag")]
    #[test_case("(see [1, 2, 3, 4])", &[[1.0, 2.0, 3.0, 4.0]])]
    fn reads_boxes(text: &str, expected: &[[f64; 4]]) {
        assert_eq!(read(text), expected);
    }

    // IoU computed by hand: intersection / (area a + area b − intersection).
    #[test_case("[0, 0, 10, 10]", json!([0, 0, 10, 10]), 1.0)]
    #[test_case("[0, 0, 10, 10]", json!([5, 0, 15, 10]), 50.0 / 150.0)]
    #[test_case("[0, 0, 10, 10]", json!([0, 0, 5, 5]), 25.0 / 100.0)]
    #[test_case("[0, 0, 10, 10]", json!([10, 10, 20, 20]), 0.0; "touching corners")]
    #[test_case("[0, 0, 10, 10]", json!({"bbox_2d": [0, 0, 10, 10]}), 1.0)]
    #[test_case("[0, 0, 10, 10]", json!("<box>(0,0),(10,10)</box>"), 1.0)]
    // Two reference boxes, one found exactly: (1 + 0) / 2.
    #[test_case("[0, 0, 10, 10]", json!([[0, 0, 10, 10], [20, 20, 30, 30]]), 0.5)]
    // Two predicted boxes, one reference: the extra counts 0.
    #[test_case("[20, 20, 30, 30] [0, 0, 10, 10]", json!([0, 0, 10, 10]), 0.5)]
    // The pairing that maximizes the total, whatever the order.
    #[test_case("[20, 20, 30, 30] [0, 0, 10, 10]", json!([{"bbox": [0, 0, 10, 10]}, {"bbox": [20, 20, 30, 30]}]), 1.0)]
    #[test_case("nothing here", json!([0, 0, 10, 10]), 0.0)]
    fn iou(response: &str, reference: Value, expected: f64) {
        let v = value(json!({}), response, reference);
        assert!((v - expected).abs() < 1e-12, "{v} != {expected}");
    }

    #[test]
    fn threshold_and_extra_boxes() {
        let reference = json!([0, 0, 10, 10]);
        // IoU 1/3 and 0.
        let response = "[5, 0, 15, 10] [50, 50, 60, 60]";
        assert_eq!(
            value(json!({"threshold": 0.3}), response, reference.clone()),
            0.5
        );
        assert_eq!(
            value(json!({"threshold": 0.5}), response, reference.clone()),
            0.0
        );
        assert_eq!(
            value(
                json!({"threshold": 0.3, "penalize_extra": false}),
                response,
                reference.clone()
            ),
            1.0
        );
        let best = value(json!({"penalize_extra": false}), response, reference);
        assert!((best - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn zeros_say_why() {
        let cases = [
            ("no box", json!([0, 0, 1, 1]), "no box found"),
            (
                "[5, 5, 5, 9]",
                json!([0, 0, 10, 10]),
                "predicted box 1 has zero area",
            ),
            (
                "[0, 0, 1, 1]",
                json!([0, 0, 0, 0]),
                "reference box 1 has zero area",
            ),
            (
                "[2, 2, 3, 3]",
                json!([0, 0, 1, 1]),
                "no predicted box overlaps a reference box",
            ),
        ];
        for (response, reference, reason) in cases {
            let e = run(json!({}), response, Some(reference));
            assert_eq!(e.outcome.value(), Some(0.0));
            assert_eq!(e.details["reason"], reason, "{response}");
        }
        let e = run(
            json!({"threshold": 0.5}),
            "[0, 0, 1, 3]",
            Some(json!([0, 0, 1, 1])),
        );
        assert_eq!(
            e.details["reason"],
            "no predicted box reaches IoU 0.5 with a reference box"
        );
        let e = run(
            json!({"extract": "answer_tag"}),
            "[0, 0, 1, 1]",
            Some(json!([0, 0, 1, 1])),
        );
        assert_eq!(e.details["extracted"], Value::Null);
    }

    #[test]
    fn details() {
        let e = run(
            json!({"extract": "answer_tag"}),
            "<think>[0, 0, 9, 9]?</think><answer>[0, 0, 10, 5]</answer>",
            Some(json!([0, 0, 10, 10])),
        );
        assert_eq!(e.outcome.value(), Some(0.5));
        assert_eq!(e.details["boxes"], json!([[0.0, 0.0, 10.0, 5.0]]));
        assert_eq!(
            e.details["matches"],
            json!([{"reference": 0, "box": 0, "iou": 0.5}])
        );
        assert_eq!(e.details["extracted"], "[0, 0, 10, 5]");
        assert!(!e.details.contains_key("truncated"));
    }

    #[test]
    fn at_most_64_boxes() {
        let many = "[0, 0, 1, 1] ".repeat(MAX_BOXES + 10);
        let e = run(json!({}), &many, Some(json!([0, 0, 1, 1])));
        assert_eq!(e.details["truncated"], true);
        assert_eq!(e.details["boxes"].as_array().unwrap().len(), MAX_BOXES);
        assert_eq!(e.outcome.value(), Some(1.0 / 64.0));
        let e = run(json!({}), "[0, 0, 1, 1]", Some(json!(many)));
        assert_eq!(e.outcome.status(), Status::Failed);
        let boxes: Vec<Value> = (0..65).map(|_| json!([0, 0, 1, 1])).collect();
        let e = run(json!({}), "[0, 0, 1, 1]", Some(Value::Array(boxes)));
        assert_eq!(
            e.outcome,
            plaudit_core::Outcome::failed(
                "the reference: the reference has more than 64 boxes, the most this kind reads"
            )
        );
    }

    #[test]
    fn references() {
        for reference in [
            None,
            Some(json!(null)),
            Some(json!(3)),
            Some(json!({"label": "cat"})),
        ] {
            let e = run(json!({}), "[0, 0, 1, 1]", reference);
            assert_eq!(e.outcome.status(), Status::NotApplicable);
        }
        let cases = [
            (
                json!([1, 2, 3]),
                "the reference: a number where a box [x1, y1, x2, y2] was expected",
            ),
            (
                json!([[1, 2, 3]]),
                "the reference: a list of 3 items where a box [x1, y1, x2, y2] was expected",
            ),
            (json!([]), "the reference: the reference has no box"),
            (json!("42"), "the reference: the reference has no box"),
            (
                json!({"bbox": "x"}),
                "the reference: a string where a box [x1, y1, x2, y2] was expected",
            ),
            (
                json!([{"box": [1, 2, 3, 4]}]),
                "the reference: an object in the reference has no \"bbox_2d\" or \"bbox\"",
            ),
        ];
        for (reference, error) in cases {
            let e = run(json!({}), "[0, 0, 1, 1]", Some(reference));
            assert_eq!(e.outcome, plaudit_core::Outcome::failed(error));
        }
    }

    #[test]
    fn bad_params_are_build_errors() {
        let cases = [
            (
                json!({"threshold": 0}),
                "threshold",
                "threshold = 0 is not in (0, 1]",
            ),
            (json!({"threshold": 1.5}), "threshold", "is not in (0, 1]"),
            (json!({"threshold": "half"}), "threshold", "invalid type"),
            (json!({"iou": 0.5}), "iou", "unknown field `iou`"),
        ];
        crate::testing::assert_rejected(build, &cases);
    }

    proptest! {
        #[test]
        fn iou_is_symmetric_and_bounded(a in proptest::array::uniform4(-50i8..50), b in proptest::array::uniform4(-50i8..50)) {
            let (a, b) = (Bbox::new(a.map(f64::from)), Bbox::new(b.map(f64::from)));
            let x = a.iou(&b);
            prop_assert!((0.0..=1.0).contains(&x));
            prop_assert_eq!(x, b.iou(&a));
            prop_assert!(a.area() == 0.0 || a.iou(&a) == 1.0);
        }

        #[test]
        fn never_panics(response in "(\\[|\\]|\\(|\\)|<box>|</box>|,|-|\\.|e|1|9| |\\PC){0,40}", threshold: bool) {
            let params = if threshold { json!({"threshold": 0.5}) } else { json!({}) };
            let v = value(params, &response, json!([0, 0, 10, 10]));
            prop_assert!((0.0..=1.0).contains(&v));
        }
    }
}
