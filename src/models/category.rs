//! Categories (channels, 频道/栏目): a small tree, loaded whole and walked in memory.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Key;
use super::ids::CategoryId;
use crate::db::schema::categories;

/// Deepest allowed nesting: a root is at depth 1.
pub const MAX_DEPTH: usize = 4;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = categories)]
pub struct Category {
    pub id: CategoryId,
    pub parent_id: Option<CategoryId>,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub position: i32,
    pub visible: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory {
    pub parent_id: Option<CategoryId>,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub position: i32,
    pub visible: bool,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = categories)]
pub struct CategoryChanges {
    pub parent_id: Option<Option<CategoryId>>,
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub position: Option<i32>,
    pub visible: Option<bool>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Every category, with the tree's relations indexed.
#[derive(Debug, Default)]
pub struct Tree {
    pub nodes: Vec<Category>,
    index: HashMap<CategoryId, usize>,
    children: HashMap<Option<CategoryId>, Vec<usize>>,
}

impl Tree {
    pub fn new(mut nodes: Vec<Category>) -> Self {
        nodes.sort_by(|a, b| (a.position, &a.name, a.id).cmp(&(b.position, &b.name, b.id)));
        let index = nodes.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let mut children: HashMap<Option<CategoryId>, Vec<usize>> = HashMap::new();
        for (i, c) in nodes.iter().enumerate() {
            children.entry(c.parent_id).or_default().push(i);
        }
        Self {
            nodes,
            index,
            children,
        }
    }

    pub fn get(&self, id: CategoryId) -> Option<&Category> {
        self.index.get(&id).map(|&i| &self.nodes[i])
    }

    pub fn find(&self, key: &Key) -> Option<&Category> {
        match key {
            Key::Id(id) => self.get(CategoryId(*id)),
            Key::Slug(slug) => self.nodes.iter().find(|c| &c.slug == slug),
        }
    }

    /// Direct children of `parent` (`None`: the roots), in display order.
    pub fn children(&self, parent: Option<CategoryId>) -> impl Iterator<Item = &Category> {
        self.children
            .get(&parent)
            .into_iter()
            .flatten()
            .map(|&i| &self.nodes[i])
    }

    /// The breadcrumb: root first, ending with the category itself.
    pub fn path(&self, id: CategoryId) -> Vec<&Category> {
        let mut path = Vec::new();
        let mut cursor = self.get(id);
        while let Some(c) = cursor {
            if path.len() > self.nodes.len() {
                break; // defensive: a cycle cannot exist, but never loop forever
            }
            path.push(c);
            cursor = c.parent_id.and_then(|p| self.get(p));
        }
        path.reverse();
        path
    }

    pub fn depth(&self, id: CategoryId) -> usize {
        self.path(id).len()
    }

    /// Levels in the subtree rooted at `id`, counting `id` itself as 1.
    pub fn height(&self, id: CategoryId) -> usize {
        1 + self
            .children(Some(id))
            .map(|c| self.height(c.id))
            .max()
            .unwrap_or(0)
    }

    /// Whether `id` is `ancestor` or lies below it.
    pub fn is_within(&self, id: CategoryId, ancestor: CategoryId) -> bool {
        self.path(id).iter().any(|c| c.id == ancestor)
    }

    /// The category and, when `descendants`, every category below it.
    pub fn scope(&self, id: CategoryId, descendants: bool) -> Vec<CategoryId> {
        if !descendants {
            return vec![id];
        }
        self.nodes
            .iter()
            .filter(|n| self.is_within(n.id, id))
            .map(|n| n.id)
            .collect()
    }

    /// Whether the category and all its ancestors are visible.
    pub fn publicly_visible(&self, id: CategoryId) -> bool {
        let path = self.path(id);
        !path.is_empty() && path.iter().all(|c| c.visible)
    }

    /// Depth-first order: each category followed by its subtree.
    pub fn preorder(&self) -> Vec<&Category> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<&Category> = self.children(None).collect();
        stack.reverse();
        while let Some(c) = stack.pop() {
            out.push(c);
            let mut kids: Vec<&Category> = self.children(Some(c.id)).collect();
            kids.reverse();
            stack.extend(kids);
        }
        out
    }
}

pub async fn load_tree(conn: &mut AsyncPgConnection) -> QueryResult<Tree> {
    let nodes = categories::table
        .select(Category::as_select())
        .load(conn)
        .await?;
    Ok(Tree::new(nodes))
}

/// Serialises writers of the tree so that two concurrent moves cannot make a cycle.
pub async fn lock_tree(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(7301001)")
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    categories::table.count().get_result(conn).await
}

pub async fn insert(conn: &mut AsyncPgConnection, new: &NewCategory) -> QueryResult<Category> {
    diesel::insert_into(categories::table)
        .values(new)
        .returning(Category::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: CategoryId,
    changes: &CategoryChanges,
) -> QueryResult<Category> {
    diesel::update(categories::table.find(id))
        .set(changes)
        .returning(Category::as_returning())
        .get_result(conn)
        .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: CategoryId) -> QueryResult<usize> {
    diesel::delete(categories::table.find(id))
        .execute(conn)
        .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn cat(id: i64, parent: Option<i64>, name: &str, position: i32) -> Category {
        Category {
            id: CategoryId(id),
            parent_id: parent.map(CategoryId),
            slug: format!("c{id}"),
            name: name.into(),
            description: None,
            position,
            visible: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn tree_walks() {
        let tree = Tree::new(vec![
            cat(1, None, "root", 0),
            cat(2, Some(1), "b", 1),
            cat(3, Some(1), "a", 1),
            cat(4, Some(2), "leaf", 0),
        ]);
        let names: Vec<_> = tree.preorder().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["root", "a", "b", "leaf"]);
        assert_eq!(tree.depth(CategoryId(4)), 3);
        assert_eq!(tree.height(CategoryId(1)), 3);
        assert!(tree.is_within(CategoryId(4), CategoryId(1)));
        assert!(!tree.is_within(CategoryId(3), CategoryId(2)));
    }
}
