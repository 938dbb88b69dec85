//! The write path for the search synonym list (editors and admins). Each write emits
//! `Change::Synonyms`: every instance recompiles the list, and search answers that applied it
//! are dropped, so an edit takes effect at once, without reindexing.

use std::collections::HashSet;

use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::commit;
use crate::auth::Actor;
use crate::content::change::Change;
use crate::error::{ApiError, OrNotFound};
use crate::fields::double_option;
use crate::models::ids::SynonymId;
use crate::models::synonym::{self, NewSynonym, SynonymChanges, SynonymGroup, column};
use crate::models::user::Role;
use crate::search::{Segmenter, normalize};
use crate::state::AppState;
use crate::validate::Violations;

/// Longest term or context word, in characters.
const MAX_TERM_CHARS: usize = 40;
const MAX_TERMS: usize = 20;
const MAX_CONTEXT: usize = 30;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSynonym {
    /// 2–20 terms that mean the same thing, any script, each 1–40 characters (黑河市, 黑河,
    /// Хэйхэ). The first names the group and must be unique among groups. A query naming one
    /// finds articles naming any.
    #[schema(min_items = 2, max_items = 20, example = json!(["布拉戈维申斯克", "海兰泡", "Благовещенск"]))]
    pub terms: Vec<String>,
    /// Terms of `terms` that also mean something else (黑龙江: the province and the river).
    /// Matches through them rank below matches through the other terms unless a `context`
    /// word is in the article; a query naming only such a term widens only when a `context`
    /// word is in the query. At least one term must not be ambiguous.
    #[serde(default)]
    #[schema(max_items = 19)]
    pub ambiguous: Vec<String>,
    /// 0–30 words (each 1–40 characters) that say this group's sense is meant.
    #[serde(default)]
    #[schema(max_items = 30)]
    pub context: Vec<String>,
    /// For the newsroom, at most 500 characters.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Only the fields present change; `note: null` in a merge patch (or `clear: ["note"]`) clears
/// it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSynonym {
    #[schema(min_items = 2, max_items = 20)]
    pub terms: Option<Vec<String>>,
    #[schema(max_items = 19)]
    pub ambiguous: Option<Vec<String>>,
    #[schema(max_items = 30)]
    pub context: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(max_length = 500)]
    pub note: Option<Option<String>>,
    /// Fields to clear, by name, for clients that cannot send `null`.
    #[serde(default)]
    pub clear: Option<Vec<SynonymClear>>,
}

crate::named_enum! {
    /// The fields of `UpdateSynonym` that `clear` may name.
    SynonymClear {
        Note => "note",
    }
}

/// A group checked and trimmed.
struct Checked {
    terms: Vec<String>,
    ambiguous: Vec<String>,
    context: Vec<String>,
}

fn check_words(v: &mut Violations, field: &str, words: &[String], max: usize) -> Vec<String> {
    if words.len() > max {
        v.add(field, format!("must have at most {max} entries"));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let at = format!("{field}[{i}]");
        v.name(&at, w, MAX_TERM_CHARS);
        // White space folded, as in tags.
        let t = w.split_whitespace().collect::<Vec<_>>().join(" ");
        if !seen.insert(normalize(&t)) {
            v.add(&at, format!("`{t}` is listed twice"));
        }
        out.push(t);
    }
    out
}

fn check(
    seg: &Segmenter,
    v: &mut Violations,
    terms: &[String],
    ambiguous: &[String],
    context: &[String],
) -> Checked {
    if terms.len() < 2 {
        v.add("terms", "must have at least 2 terms");
    }
    let terms = check_words(v, "terms", terms, MAX_TERMS);
    let ambiguous = check_words(v, "ambiguous", ambiguous, MAX_TERMS - 1);
    let context = check_words(v, "context", context, MAX_CONTEXT);
    for (i, t) in terms.iter().enumerate() {
        if !t.is_empty() && seg.precise(t).is_empty() {
            v.add(
                &format!("terms[{i}]"),
                "has no searchable words (only punctuation or words too common to search)",
            );
        }
    }
    let norm: HashSet<String> = terms.iter().map(|t| normalize(t)).collect();
    for (i, a) in ambiguous.iter().enumerate() {
        if !norm.contains(&normalize(a)) {
            v.add(
                &format!("ambiguous[{i}]"),
                format!("`{a}` is not one of `terms`"),
            );
        }
    }
    if !terms.is_empty() && ambiguous.len() >= terms.len() {
        v.add("ambiguous", "at least one term must not be ambiguous");
    }
    Checked {
        terms,
        ambiguous,
        context,
    }
}

fn check_note(v: &mut Violations, note: Option<&str>) -> Option<String> {
    let note = note?.trim();
    if note.chars().count() > 500 {
        v.add("note", "must be at most 500 characters");
    }
    (!note.is_empty()).then(|| note.to_owned())
}

pub async fn create(
    state: &AppState,
    actor: Actor,
    body: CreateSynonym,
) -> Result<SynonymGroup, ApiError> {
    actor.require(Role::Editor)?;
    let mut v = Violations::default();
    let c = check(
        &state.search,
        &mut v,
        &body.terms,
        &body.ambiguous,
        &body.context,
    );
    let note = check_note(&mut v, body.note.as_deref());
    v.finish()?;
    let new = NewSynonym {
        name: c.terms[0].clone(),
        terms: column(c.terms),
        ambiguous: column(c.ambiguous),
        context: column(c.context),
        note,
    };
    commit(state, async |conn| {
        let row = synonym::insert(conn, &new).await?;
        let change = Change::Synonyms(row.id);
        Ok((row, change))
    })
    .await
}

/// Changes the fields `body` names; the group is checked whole after the change.
pub async fn update(
    state: &AppState,
    actor: Actor,
    id: SynonymId,
    body: UpdateSynonym,
) -> Result<SynonymGroup, ApiError> {
    actor.require(Role::Editor)?;
    let clear_note = body
        .clear
        .as_deref()
        .is_some_and(|c| c.contains(&SynonymClear::Note));
    if clear_note && matches!(body.note, Some(Some(_))) {
        return Err(ApiError::invalid("clear", "`note` is both set and cleared"));
    }
    commit(state, async |conn| {
        let current = synonym::find(conn, id)
            .await?
            .or_not_found("synonym group", id)?;
        let terms = body.terms.clone().unwrap_or(current.terms);
        let ambiguous = body.ambiguous.clone().unwrap_or(current.ambiguous);
        let context = body.context.clone().unwrap_or(current.context);
        let mut v = Violations::default();
        let c = check(&state.search, &mut v, &terms, &ambiguous, &context);
        let note = match (&body.note, clear_note) {
            (_, true) | (Some(None), _) => Some(None),
            (Some(Some(n)), _) => Some(check_note(&mut v, Some(n))),
            (None, false) => None,
        };
        v.finish()?;
        let changes = SynonymChanges {
            name: Some(c.terms[0].clone()),
            terms: Some(column(c.terms)),
            ambiguous: Some(column(c.ambiguous)),
            context: Some(column(c.context)),
            note,
            updated_at: Some(Utc::now()),
        };
        let row = synonym::update(conn, id, &changes).await?;
        Ok((row, Change::Synonyms(id)))
    })
    .await
}

pub async fn delete(state: &AppState, actor: Actor, id: SynonymId) -> Result<(), ApiError> {
    actor.require(Role::Editor)?;
    commit(state, async |conn| {
        synonym::find(conn, id)
            .await?
            .or_not_found("synonym group", id)?;
        synonym::delete(conn, id).await?;
        Ok(((), Change::Synonyms(id)))
    })
    .await
}
