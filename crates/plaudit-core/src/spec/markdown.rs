//! Specs written inside Markdown: the ```` ```toml ```` blocks of a
//! document, for tools (and tests) that check that a document's examples
//! are specs that build.

/// The ```` ```toml ```` blocks of a Markdown text, each with the 1-based
/// line of its first line, in order. A fence may be indented (a block in a
/// list); a block left open at the end of the text is an error that names
/// its line.
pub fn toml_blocks(markdown: &str) -> Result<Vec<(usize, String)>, String> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match &mut current {
            None if fence && line.trim_start()[3..].trim() == "toml" => {
                current = Some((i + 2, String::new()));
            }
            None => {}
            Some(_) if fence => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    match current {
        Some((line, _)) => Err(format!(
            "the ```toml block that starts on line {} is never closed",
            line - 1
        )),
        None => Ok(blocks),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_come_with_their_first_line() {
        let text = "# Title\n\n```toml\nname = \"a\"\n```\n\n```sh\nls\n```\n- item\n  ```toml\n  x = 1\n  y = 2\n  ```\n";
        assert_eq!(
            toml_blocks(text).unwrap(),
            [
                (4, "name = \"a\"\n".to_owned()),
                (12, "  x = 1\n  y = 2\n".to_owned())
            ]
        );
    }

    #[test]
    fn other_languages_and_unclosed_blocks() {
        assert_eq!(toml_blocks("```tomlx\na\n```\n```\nb\n```\n").unwrap(), []);
        let e = toml_blocks("text\n```toml\na = 1\n").unwrap_err();
        assert!(e.contains("line 2 is never closed"), "{e}");
    }
}
