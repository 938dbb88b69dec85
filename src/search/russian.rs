//! Russian words (a border city's news quotes some): Snowball's Russian stemmer, the algorithm
//! of PostgreSQL's `russian` configuration, and its stop words, so `ярмарки` finds `ярмарка`.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Russian words too common to search (PostgreSQL's `russian` list, the commonest part).
const STOP_WORDS: &[&str] = &[
    "и",
    "в",
    "во",
    "не",
    "что",
    "он",
    "на",
    "я",
    "с",
    "со",
    "как",
    "а",
    "то",
    "все",
    "она",
    "так",
    "его",
    "но",
    "да",
    "ты",
    "к",
    "у",
    "же",
    "вы",
    "за",
    "бы",
    "по",
    "только",
    "ее",
    "мне",
    "было",
    "вот",
    "от",
    "меня",
    "еще",
    "нет",
    "о",
    "из",
    "ему",
    "когда",
    "даже",
    "ну",
    "ли",
    "если",
    "уже",
    "или",
    "ни",
    "быть",
    "был",
    "него",
    "до",
    "вас",
    "там",
    "потом",
    "себя",
    "ей",
    "может",
    "они",
    "тут",
    "где",
    "есть",
    "надо",
    "ней",
    "для",
    "мы",
    "тебя",
    "их",
    "чем",
    "была",
    "сам",
    "без",
    "под",
    "будет",
    "ж",
    "тогда",
    "кто",
    "этот",
    "того",
    "этого",
    "какой",
    "ним",
    "здесь",
    "этом",
    "один",
    "мой",
    "тем",
    "чтобы",
    "нее",
    "были",
    "куда",
    "всех",
    "можно",
    "при",
    "два",
    "об",
    "другой",
    "после",
    "над",
    "больше",
    "тот",
    "через",
    "эти",
    "нас",
    "про",
    "всего",
    "них",
    "какая",
    "много",
    "три",
    "эту",
    "моя",
    "этой",
    "перед",
    "том",
    "такой",
    "им",
    "более",
    "всегда",
    "между",
];

/// Whether `c` is a Cyrillic letter.
pub fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}' | '\u{0500}'..='\u{052F}')
}

pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.contains(&word)
}

/// The stem of a lower-case Russian word.
pub fn stem(word: &str) -> String {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER
        .get_or_init(|| Stemmer::create(Algorithm::Russian))
        .stem(word)
        .into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn inflections_share_a_stem() {
        assert_eq!(stem("ярмарка"), stem("ярмарки"));
        assert_eq!(stem("благовещенск"), stem("благовещенске"));
        assert!(is_stop_word("в"));
        assert!(is_cyrillic('ж') && !is_cyrillic('z'));
    }
}
