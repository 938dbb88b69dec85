//! PostgreSQL's text forms read back: a tsvector's output (`'word':1A,5 'other':3`) into
//! lexemes and positions, and the tsquery syntax our parser writes (quoted lexemes, `&`, `|`,
//! `!`, `<->`/`<N>`, parentheses) into a tree.

/// A tsquery as a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tsq {
    Lexeme(String),
    And(Vec<Tsq>),
    Or(Vec<Tsq>),
    Not(Box<Tsq>),
    /// `left <N> right`: right matches N positions after left.
    Phrase(Box<Tsq>, u32, Box<Tsq>),
}

/// Lexemes of a tsvector's text form with their positions (weights dropped). `None` when the
/// text is not a tsvector's output.
pub fn vector_lexemes(text: &str) -> Option<Vec<(String, Vec<u32>)>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        match chars.next() {
            None => return Some(out),
            Some('\'') => {}
            Some(_) => return None,
        }
        let lexeme = quoted_rest(&mut chars)?;
        let mut positions = Vec::new();
        if chars.peek() == Some(&':') {
            chars.next();
            loop {
                let mut n: u32 = 0;
                let mut digits = 0;
                while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                    n = n.checked_mul(10)?.checked_add(d)?;
                    digits += 1;
                    chars.next();
                }
                if digits == 0 {
                    return None;
                }
                positions.push(n);
                if matches!(chars.peek(), Some('A' | 'B' | 'C' | 'D')) {
                    chars.next();
                }
                if chars.peek() == Some(&',') {
                    chars.next();
                } else {
                    break;
                }
            }
        }
        out.push((lexeme, positions));
    }
}

/// The rest of a quoted lexeme after its opening quote: `''` is a quote, `\x` is x.
fn quoted_rest(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let mut s = String::new();
    loop {
        match chars.next()? {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                s.push('\'');
            }
            '\'' => return Some(s),
            '\\' => s.push(chars.next()?),
            c => s.push(c),
        }
    }
}

/// Parses a tsquery (PostgreSQL's precedence: `!` over `<->` over `&` over `|`). `None` for
/// anything else (weights, prefixes, unquoted words are not written by our parser).
pub fn parse_tsquery(text: &str) -> Option<Tsq> {
    let mut p = Parser {
        chars: text.chars().peekable(),
    };
    let q = p.or()?;
    p.skip_spaces();
    p.chars.peek().is_none().then_some(q)
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Parser<'_> {
    fn skip_spaces(&mut self) {
        while self.chars.peek().is_some_and(|c| c.is_whitespace()) {
            self.chars.next();
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_spaces();
        if self.chars.peek() == Some(&c) {
            self.chars.next();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Option<Tsq> {
        self.joined('|', Self::and, Tsq::Or)
    }

    fn and(&mut self) -> Option<Tsq> {
        self.joined('&', Self::phrase, Tsq::And)
    }

    /// Operands of `next` joined by `op` (one operand stands alone).
    fn joined(
        &mut self,
        op: char,
        next: fn(&mut Self) -> Option<Tsq>,
        all: fn(Vec<Tsq>) -> Tsq,
    ) -> Option<Tsq> {
        let mut items = vec![next(self)?];
        while self.eat(op) {
            items.push(next(self)?);
        }
        Some(if items.len() == 1 {
            items.pop()?
        } else {
            all(items)
        })
    }

    fn phrase(&mut self) -> Option<Tsq> {
        let mut left = self.unary()?;
        while self.eat('<') {
            let mut n: u32 = 0;
            let mut digits = 0;
            if self.chars.peek() == Some(&'-') {
                self.chars.next();
                n = 1;
                digits = 1;
            }
            while let Some(d) = self.chars.peek().and_then(|c| c.to_digit(10)) {
                n = n.checked_mul(10)?.checked_add(d)?;
                digits += 1;
                self.chars.next();
            }
            if digits == 0 || self.chars.next()? != '>' {
                return None;
            }
            let right = self.unary()?;
            left = Tsq::Phrase(Box::new(left), n, Box::new(right));
        }
        Some(left)
    }

    fn unary(&mut self) -> Option<Tsq> {
        if self.eat('!') {
            return Some(Tsq::Not(Box::new(self.unary()?)));
        }
        if self.eat('(') {
            let inner = self.or()?;
            return self.eat(')').then_some(inner);
        }
        if self.eat('\'') {
            let lexeme = quoted_rest(&mut self.chars)?;
            // A weight or prefix mark (`:A`, `:*`) is not ours.
            self.skip_spaces();
            return (self.chars.peek() != Some(&':')).then_some(Tsq::Lexeme(lexeme));
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn lex(s: &str) -> Tsq {
        Tsq::Lexeme(s.into())
    }

    #[test]
    fn reads_vectors() {
        let v = vector_lexemes("'it''s':1A,12 'py:heihe':40 'a\\\\b':3C 'x'").unwrap();
        assert_eq!(
            v,
            vec![
                ("it's".into(), vec![1, 12]),
                ("py:heihe".into(), vec![40]),
                ("a\\b".into(), vec![3]),
                ("x".into(), vec![]),
            ]
        );
        assert_eq!(vector_lexemes("").unwrap(), vec![]);
        assert!(vector_lexemes("word:1").is_none());
        assert!(vector_lexemes("'open").is_none());
    }

    #[test]
    fn parses_what_the_query_parser_writes() {
        assert_eq!(
            parse_tsquery("'黑河' & ('a' | ('b' <-> 'c' <2> 'd'))").unwrap(),
            Tsq::And(vec![
                lex("黑河"),
                Tsq::Or(vec![
                    lex("a"),
                    Tsq::Phrase(
                        Box::new(Tsq::Phrase(Box::new(lex("b")), 1, Box::new(lex("c")))),
                        2,
                        Box::new(lex("d"))
                    ),
                ]),
            ])
        );
        // & binds tighter than |.
        assert_eq!(
            parse_tsquery("'a' | 'b' & !'c'").unwrap(),
            Tsq::Or(vec![
                lex("a"),
                Tsq::And(vec![lex("b"), Tsq::Not(Box::new(lex("c")))])
            ])
        );
        assert_eq!(parse_tsquery("'it''s'").unwrap(), lex("it's"));
        for bad in ["", "'a' &", "'a':*", "'a':A", "a", "('a'", "'a' <x> 'b'"] {
            assert!(parse_tsquery(bad).is_none(), "{bad}");
        }
    }
}
