//! Channels as the API shows them: links, nodes of the tree, details with breadcrumbs.

use crate::models::category::{Category, Tree};
use crate::models::ids::CategoryId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A category as a link: enough for a breadcrumb.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryRef {
    pub id: CategoryId,
    pub slug: String,
    pub name: String,
}

/// A channel (频道/栏目).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryDto {
    pub id: CategoryId,
    /// The parent channel; `null` for a root.
    pub parent_id: Option<CategoryId>,
    /// URL key, unique: `[a-z0-9-]`, 1–64.
    pub slug: String,
    /// Display name, 1–64 characters.
    pub name: String,
    pub description: Option<String>,
    /// Order among siblings (ascending), then by name.
    pub position: i32,
    /// Hidden channels (and everything below them) are shown to staff only.
    pub visible: bool,
    /// Nesting level: 1 for a root.
    pub depth: usize,
    /// Breadcrumb from the root down to this channel, inclusive.
    pub path: Vec<CategoryRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A channel in the tree, with its sub-channels.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryNode {
    #[serde(flatten)]
    pub category: CategoryDto,
    /// Sub-channels in display order; omitted in the flat list.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub children: Option<Vec<CategoryNode>>,
}

/// One channel with its breadcrumb and direct children.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryDetail {
    #[serde(flatten)]
    pub category: CategoryDto,
    /// Direct sub-channels in display order.
    pub children: Vec<CategoryDto>,
}

/// The channel tree (or flat list).
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    /// Root channels with nested `children`, or every channel in tree order with `flat=true`.
    pub data: Vec<CategoryNode>,
    pub meta: CategoryListMeta,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryListMeta {
    /// Number of channels in the response.
    pub total: usize,
}

impl CategoryRef {
    pub fn from_model(c: &Category) -> Self {
        Self {
            id: c.id,
            slug: c.slug.clone(),
            name: c.name.clone(),
        }
    }
}

impl CategoryDto {
    pub fn build(tree: &Tree, c: &Category) -> Self {
        let path: Vec<CategoryRef> = tree
            .path(c.id)
            .into_iter()
            .map(CategoryRef::from_model)
            .collect();
        Self {
            id: c.id,
            parent_id: c.parent_id,
            slug: c.slug.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            position: c.position,
            visible: c.visible,
            depth: path.len(),
            path,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl CategoryDetail {
    /// A channel with its direct sub-channels (those the public may see, unless for staff).
    pub fn of(tree: &Tree, c: &Category, staff: bool) -> Self {
        let children = tree
            .children(Some(c.id))
            .filter(|k| staff || tree.publicly_visible(k.id))
            .map(|k| CategoryDto::build(tree, k))
            .collect();
        Self {
            category: CategoryDto::build(tree, c),
            children,
        }
    }
}
