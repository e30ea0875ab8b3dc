//! Finding a field of a TOML spec in its source text.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Formats a path as `aspect[1].weight`.
pub(crate) fn display(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
        }
    }
    s
}

/// The byte span of the deepest existing node along `path`: the key of a
/// table entry (so that an error about a field points at its name), or the
/// element of an array. A path that leaves the document stops at the last
/// node it found.
pub(crate) fn span_of(source: &str, path: &[Seg]) -> Option<std::ops::Range<usize>> {
    let doc = DeTable::parse(source).ok()?;
    let mut best = None;
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    for seg in path {
        let next = match seg {
            Seg::Key(k) => {
                let table = match value {
                    None => Some(doc.get_ref()),
                    Some(v) => v.get_ref().as_table(),
                };
                table
                    .and_then(|t| {
                        t.iter()
                            .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                    })
                    .map(|(key, v)| (key.span(), v))
            }
            Seg::Index(i) => value
                .and_then(|v| v.get_ref().as_array())
                .and_then(|a| a.get(*i))
                .map(|v| (v.span(), v)),
        };
        let Some((span, v)) = next else { break };
        best = Some(span);
        value = Some(v);
    }
    best
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_fields() {
        let src = "name = \"x\"\n\n[[aspect]]\nname = \"a\"\nkind = \"k\"\n\n[[aspect]]\nname = \"b\"\nweight = \"heavy\"\n";
        let path = [
            Seg::Key("aspect".into()),
            Seg::Index(1),
            Seg::Key("weight".into()),
        ];
        let span = span_of(src, &path).unwrap();
        assert_eq!(line_col(src, span.start), (9, 1));
        assert_eq!(display(&path), "aspect[1].weight");
        // A missing field points at its aspect.
        let path = [
            Seg::Key("aspect".into()),
            Seg::Index(0),
            Seg::Key("nope".into()),
        ];
        let span = span_of(src, &path).unwrap();
        assert_eq!(line_col(src, span.start).0, 3, "the `[[aspect]]` header");
    }
}
