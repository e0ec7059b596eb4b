//! Word wrapping for text the wizard lays out itself (help boxes, panels whose height must be
//! known before drawing): lines break at spaces, and only a word longer than the width (an ARN,
//! a path) is split.

/// Wraps `text` to `width` columns; each `\n` starts a new paragraph, whose leading spaces
/// indent each of its lines. Runs of spaces between words become one.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut indent: String = paragraph.chars().take_while(|c| *c == ' ').collect();
        if indent.chars().count() * 2 > width {
            indent.clear();
        }
        let mut line = indent.clone();
        let mut has_word = false;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let used = line.chars().count();
            if has_word && used + 1 + word.chars().count() <= width {
                line.push(' ');
                line.push_str(word);
                continue;
            }
            if has_word {
                out.push(std::mem::replace(&mut line, indent.clone()));
            }
            let mut chars: Vec<char> = line.chars().chain(word.chars()).collect();
            while chars.len() > width {
                out.push(chars.drain(..width).collect());
            }
            line = chars.into_iter().collect();
            has_word = true;
        }
        out.push(if has_word { line } else { String::new() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;
    use proptest::prelude::*;

    #[test]
    fn breaks_between_words() {
        assert_eq!(
            wrap("PITR turns it off again at the end", 12),
            ["PITR turns", "it off again", "at the end"]
        );
    }

    #[test]
    fn keeps_paragraphs_and_their_indent() {
        assert_eq!(
            wrap("Keys:\n  Enter: go on to the next step", 16),
            ["Keys:", "  Enter: go on", "  to the next", "  step"]
        );
    }

    #[test]
    fn splits_only_a_word_longer_than_the_line() {
        assert_eq!(
            wrap("see arn:aws:s3:::bucket-name now", 10),
            ["see", "arn:aws:s3", ":::bucket-", "name now"]
        );
    }

    proptest! {
        #[test]
        fn no_line_is_wider_than_asked_and_no_word_is_lost(
            text in "[a-z :/]{0,120}", width in 1usize..40
        ) {
            let lines = wrap(&text, width);
            for l in &lines {
                prop_assert!(l.chars().count() <= width, "{l:?} wider than {width}");
            }
            let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let original: String = text.chars().filter(|c| *c != ' ').collect();
            prop_assert_eq!(joined, original);
        }
    }
}
