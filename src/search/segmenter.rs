//! Word segmentation: jieba with the newsroom dictionary, in search mode.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use jieba_rs::{Jieba, KeywordExtract, KeywordExtractConfig, TfIdf};

use super::{pinyin, russian};

/// The dictionary that ships with newsdesk (place names and terms of the newsroom).
const NEWSROOM_DICT: &str = include_str!("newsroom.dict");

/// Longest word kept (longer runs, such as a pasted URL, are not indexed).
const MAX_WORD_CHARS: usize = 64;

/// Words too common to mean anything on their own: not indexed, dropped from queries.
const STOP_WORDS: &[&str] = &[
    "的", "了", "和", "与", "及", "是", "在", "等", "也", "就", "都", "而", "对", "将", "把", "被",
    "之", "其", "或", "并", "为", "以", "于", "中", "上", "下", "这", "那", "有", "个", "着", "又",
    "a", "an", "the", "of", "and", "or", "to", "in", "on", "at", "for", "is", "are", "by", "with",
];

/// A word of a text: its normalized form and the 1-based position of the precise-mode word it
/// belongs to (sub-words share the position of the word they are part of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub position: u32,
}

/// A loaded segmenter. Loading takes a few hundred milliseconds, so one is shared per
/// dictionary file for the life of the process.
pub struct Segmenter {
    jieba: Jieba,
    tfidf: TfIdf,
    /// Place names of the newsroom's dictionaries (tag `ns`).
    places: HashSet<String>,
    /// The newsroom's dictionary words by their pinyin and initials (a Latin query names them).
    by_pinyin: HashMap<String, Vec<String>>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Segmenter")
    }
}

type Loaded = Mutex<HashMap<Option<PathBuf>, Arc<Segmenter>>>;

impl Segmenter {
    /// The segmenter with the built-in dictionary plus `extra` (when given), loaded once.
    pub fn shared(extra: Option<&Path>) -> Result<Arc<Self>, String> {
        static LOADED: OnceLock<Loaded> = OnceLock::new();
        let loaded = LOADED.get_or_init(Default::default);
        let key = extra.map(Path::to_path_buf);
        if let Ok(map) = loaded.lock()
            && let Some(s) = map.get(&key)
        {
            return Ok(s.clone());
        }
        let s = Arc::new(Self::load(extra)?);
        if let Ok(mut map) = loaded.lock() {
            map.insert(key, s.clone());
        }
        Ok(s)
    }

    /// A fresh segmenter (built-in dictionary plus `extra`).
    pub fn load(extra: Option<&Path>) -> Result<Self, String> {
        let mut jieba = Jieba::new();
        let mut entries = add_words(&mut jieba, NEWSROOM_DICT, "the newsroom dictionary")?;
        if let Some(path) = extra {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read SEARCH_DICTIONARY {}: {e}", path.display()))?;
            entries.extend(add_words(&mut jieba, &text, &path.display().to_string())?);
        }
        let places: HashSet<String> = entries
            .iter()
            .filter(|(_, tag)| tag.as_deref() == Some("ns"))
            .map(|(w, _)| w.clone())
            .collect();
        let mut by_pinyin: HashMap<String, Vec<String>> = HashMap::new();
        for (word, _) in &entries {
            let keys = pinyin::readings(word)
                .into_iter()
                .chain(pinyin::initials(word));
            for key in keys {
                let words = by_pinyin.entry(key).or_default();
                if !words.contains(word) {
                    words.push(word.clone());
                }
            }
        }
        let mut config = KeywordExtractConfig::builder();
        for w in STOP_WORDS {
            config = config.add_stop_word(*w);
        }
        let mut tfidf = TfIdf::default();
        *tfidf.config_mut() = config.build();
        Ok(Self {
            jieba,
            tfidf,
            places,
            by_pinyin,
        })
    }

    /// Whether `word` names a place: an `ns` word of the newsroom's dictionaries, or one jieba's
    /// own dictionary tags `ns`.
    pub fn is_place(&self, word: &str) -> bool {
        if self.places.contains(word) {
            return true;
        }
        let tags = self.jieba.tag(word, false);
        matches!(&tags[..], [t] if t.tag == "ns" && t.word == word)
    }

    /// Whether `word` is a place name of the newsroom's dictionaries.
    pub fn is_dictionary_place(&self, word: &str) -> bool {
        self.places.contains(word)
    }

    /// The dictionary words whose pinyin (or initials) is `latin`.
    pub fn words_of_pinyin(&self, latin: &str) -> &[String] {
        self.by_pinyin.get(latin).map_or(&[], Vec::as_slice)
    }

    /// Whether `word` is in the dictionary.
    pub fn knows(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// The words of `text` in precise mode, normalized, with stop words and punctuation left
    /// out but still counted in the positions (so phrases keep their gaps).
    pub fn precise(&self, text: &str) -> Vec<Word> {
        let norm = normalize(text);
        let mut out = Vec::new();
        let mut pos = 0u32;
        for (run, cyrillic) in script_runs(&norm) {
            if cyrillic {
                // jieba cuts Cyrillic letter by letter: a run of letters is a word, stemmed.
                pos += 1;
                if !russian::is_stop_word(run) && run.chars().count() <= MAX_WORD_CHARS {
                    out.push(Word {
                        text: russian::stem(run),
                        position: pos,
                    });
                }
                continue;
            }
            for t in self.jieba.cut(run, true) {
                if !is_word(t.word) {
                    continue;
                }
                pos += 1;
                if !is_stop_word(t.word) && t.word.chars().count() <= MAX_WORD_CHARS {
                    out.push(Word {
                        text: t.word.to_owned(),
                        position: pos,
                    });
                }
            }
        }
        out
    }

    /// Search mode: every precise-mode word plus the dictionary words inside it (新质生产力
    /// also gives 新质, 生产, 生产力) and the parts of joined Latin words (covid-19 also
    /// gives covid), each at the position of the word it is part of. A place name of the
    /// newsroom's dictionary gives only the places inside it (黑龙江省 gives 黑龙江, but 黑龙江
    /// does not give 龙江, another name).
    pub fn search_words(&self, text: &str) -> Vec<Word> {
        let mut out = Vec::new();
        for w in self.precise(text) {
            let chars: Vec<char> = w.text.chars().collect();
            let place = self.is_dictionary_place(&w.text);
            if chars.len() > 2
                && chars
                    .iter()
                    .any(|c| !c.is_ascii() && !russian::is_cyrillic(*c))
            {
                for n in 2..chars.len() {
                    for start in 0..=chars.len() - n {
                        let sub: String = chars[start..start + n].iter().collect();
                        let inside = if place {
                            self.is_dictionary_place(&sub)
                        } else {
                            self.jieba.has_word(&sub)
                        };
                        if inside && !is_stop_word(&sub) {
                            out.push(Word {
                                text: sub,
                                position: w.position,
                            });
                        }
                    }
                }
            }
            if w.text.contains(is_connector) {
                for part in w.text.split(is_connector) {
                    if part.chars().count() >= 2 && part != w.text && !is_stop_word(part) {
                        out.push(Word {
                            text: part.to_owned(),
                            position: w.position,
                        });
                    }
                }
            }
            out.push(w);
        }
        out
    }

    /// The `n` most characteristic words of a text (TF-IDF against jieba's corpus), for 相关新闻.
    pub fn keywords(&self, text: &str, n: usize) -> Vec<String> {
        let norm = normalize(text);
        self.tfidf
            .extract_keywords(&self.jieba, &norm, n, Vec::new())
            .into_iter()
            .map(|k| k.keyword)
            .filter(|k| is_word(k) && !is_stop_word(k) && k.chars().count() <= MAX_WORD_CHARS)
            .collect()
    }
}

/// Adds a dictionary's words to jieba; returns them (normalized) with their tags.
fn add_words(
    jieba: &mut Jieba,
    text: &str,
    what: &str,
) -> Result<Vec<(String, Option<String>)>, String> {
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let Some(word) = parts.next() else { continue };
        let (freq, tag) = match (parts.next(), parts.next()) {
            (Some(f), tag) if f.chars().all(|c| c.is_ascii_digit()) => {
                let f = f
                    .parse::<usize>()
                    .map_err(|e| format!("{what}, line {}: {e}", i + 1))?;
                (Some(f), tag)
            }
            (Some(tag), None) => (None, Some(tag)),
            (None, _) => (None, None),
            (Some(f), Some(_)) => {
                return Err(format!(
                    "{what}, line {}: `{f}` is not a frequency (expected `word [frequency] [tag]`)",
                    i + 1
                ));
            }
        };
        let word = normalize(word);
        jieba.add_word(&word, freq, tag);
        entries.push((word, tag.map(str::to_owned)));
    }
    Ok(entries)
}

/// The text cut into runs of Cyrillic letters (`true`) and everything else.
fn script_runs(text: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut current: Option<bool> = None;
    for (i, c) in text.char_indices() {
        let cyr = russian::is_cyrillic(c);
        match current {
            Some(k) if k == cyr => {}
            Some(k) => {
                out.push((&text[start..i], k));
                start = i;
                current = Some(cyr);
            }
            None => current = Some(cyr),
        }
    }
    if let Some(k) = current {
        out.push((&text[start..], k));
    }
    out
}

/// Traditional characters to simplified (so 經濟 finds 经济 and the reverse), full-width Latin
/// letters and digits to ASCII, lower case; one character for one, so offsets in the
/// normalized text are offsets in the original.
pub fn normalize(text: &str) -> String {
    fold_script(text).chars().map(normalize_char).collect()
}

/// OpenCC's traditional → simplified conversion (phrases first, then characters), kept only
/// where it maps one character to one; `None` if its dictionaries cannot be loaded.
fn t2s() -> Option<&'static ferrous_opencc::OpenCC> {
    static T2S: OnceLock<Option<ferrous_opencc::OpenCC>> = OnceLock::new();
    T2S.get_or_init(|| {
        ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s)
            .map_err(|e| tracing::error!(error = %e, "traditional → simplified folding is off"))
            .ok()
    })
    .as_ref()
}

fn fold_script(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    let Some(cc) = t2s() else {
        return text.to_owned();
    };
    let whole = cc.convert(text);
    if whole.chars().count() == text.chars().count() {
        return whole;
    }
    // A phrase changed length: character by character, keeping the offsets.
    let mut buf = [0u8; 4];
    text.chars()
        .map(|c| {
            let one = cc.convert(c.encode_utf8(&mut buf));
            let mut it = one.chars();
            match (it.next(), it.next()) {
                (Some(s), None) => s,
                _ => c,
            }
        })
        .collect()
}

pub fn normalize_char(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some('ё'), None) => 'е',
        (Some(l), None) => l,
        _ => c,
    }
}

/// A token that carries meaning: it has a letter or digit (CJK ideographs are letters).
fn is_word(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

fn is_stop_word(s: &str) -> bool {
    STOP_WORDS.contains(&s)
}

fn is_connector(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | '/' | '+' | '\'' | '·')
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn seg() -> Arc<Segmenter> {
        Segmenter::shared(None).unwrap()
    }

    fn texts(words: &[Word]) -> Vec<&str> {
        words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn search_mode_yields_sub_words() {
        let words = seg().search_words("因地制宜推动黑河新质生产力发展");
        let t = texts(&words);
        for w in [
            "因地制宜",
            "推动",
            "黑河",
            "新质生产力",
            "新质",
            "生产力",
            "生产",
            "发展",
        ] {
            assert!(t.contains(&w), "{w} missing from {t:?}");
        }
        let p = |s: &str| words.iter().find(|w| w.text == s).unwrap().position;
        assert_eq!(p("新质"), p("新质生产力"));
        assert_eq!(p("生产力"), p("新质生产力"));
        assert_eq!(p("发展"), p("新质生产力") + 1);
    }

    #[test]
    fn place_names_and_their_short_forms() {
        let t = seg().search_words("五大连池市和逊克县的游客");
        let t = texts(&t);
        for w in ["五大连池市", "五大连池", "逊克县", "逊克", "游客"] {
            assert!(t.contains(&w), "{w} missing from {t:?}");
        }
        assert!(!t.contains(&"的") && !t.contains(&"和"), "{t:?}");
        // A place gives only the places inside it: 黑龙江 is not also 龙江 (another name).
        let t = seg().search_words("黑龙江省 黑龙江 阿穆尔州");
        let t = texts(&t);
        for w in ["黑龙江省", "黑龙江", "阿穆尔州", "阿穆尔"] {
            assert!(t.contains(&w), "{w} missing from {t:?}");
        }
        assert!(!t.contains(&"龙江"), "{t:?}");
    }

    #[test]
    fn cyrillic_runs_are_words_stemmed() {
        let w = seg().precise("Ярмарка открылась в Хэйхэ，展会");
        let t = texts(&w);
        assert_eq!(t[0], super::russian::stem("ярмарка"));
        assert!(!t.contains(&"в"), "a Russian stop word: {t:?}");
        assert!(t.contains(&"展会"), "{t:?}");
        assert_eq!(
            w[2].position,
            w[1].position + 2,
            "the stop word keeps its place"
        );
    }

    #[test]
    fn latin_numbers_and_full_width() {
        let t = seg().search_words("ＡＩ赋能 5G基站 COVID-19 2024年");
        let t = texts(&t);
        for w in ["ai", "赋能", "5g", "基站", "covid-19", "covid", "2024"] {
            assert!(t.contains(&w), "{w} missing from {t:?}");
        }
    }

    #[test]
    fn punctuation_and_empty_text() {
        assert!(seg().search_words("，。！？ …… ——").is_empty());
        assert!(seg().search_words("").is_empty());
        let w = seg().precise("黑河，的发展");
        assert_eq!(texts(&w), ["黑河", "发展"]);
        assert_eq!(
            w[1].position,
            w[0].position + 2,
            "the stop word keeps its place"
        );
    }

    #[test]
    fn keywords_of_a_text() {
        let k = seg().keywords(
            "黑河市推进新质生产力发展。新质生产力是创新起主导作用的先进生产力。黑河市将加快发展新质生产力。",
            5,
        );
        assert!(k.contains(&"新质生产力".to_owned()), "{k:?}");
        assert!(!k.contains(&"的".to_owned()));
    }

    #[test]
    fn an_extra_dictionary_adds_words() {
        let dir = std::env::temp_dir().join(format!("nd-dict-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("extra.dict");
        std::fs::write(&path, "# a comment\n锦河农场 ns\n").unwrap();
        let before = Segmenter::load(None).unwrap();
        assert!(!before.knows("锦河农场"));
        let after = Segmenter::load(Some(&path)).unwrap();
        assert!(texts(&after.search_words("锦河农场丰收")).contains(&"锦河农场"));
        std::fs::write(&path, "坏 词 条 多\n").unwrap();
        assert!(Segmenter::load(Some(&path)).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
