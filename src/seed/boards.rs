//! Demo boards: 点击排行 for the site, one for 黑河时政, and a curated 头条.

use diesel_async::AsyncPgConnection;

use crate::models::ranking::{self, Entry, RankingContent, RankingKind, TimeWindow};
use crate::models::{Key, article, category};

/// Article slugs of the demo content picked for 头条, in order.
const HEADLINES: &[&str] = &[
    "she-bei-geng-xin-tui-jin-hui",
    "yin-di-zhi-yi-xin-zhi-sheng-chan-li",
    "yi-jiu-huan-xin-bu-tie-luo-di",
    "kou-an-shang-ban-nian-guo-huo-liang",
];

/// Creates the missing demo boards (matched by slug); returns how many were created.
pub async fn run(conn: &mut AsyncPgConnection) -> Result<usize, String> {
    let err = |e: diesel::result::Error| format!("seeding boards: {e}");
    let tree = category::load_tree(conn).await.map_err(err)?;
    let shizheng = tree.find(&Key::Slug("shizheng".into())).map(|c| c.id);
    let boards = [
        (
            "dian-ji-pai-hang",
            "点击排行",
            "全站一周点击排行",
            RankingKind::MostRead,
            Some(TimeWindow::Week),
            None,
            0,
        ),
        (
            "shi-zheng-pai-hang",
            "黑河时政 点击排行",
            "黑河时政频道本月点击排行",
            RankingKind::MostRead,
            Some(TimeWindow::Month),
            shizheng,
            1,
        ),
        (
            "tou-tiao",
            "头条",
            "编辑推荐的头条新闻",
            RankingKind::Curated,
            None,
            None,
            2,
        ),
    ];
    let mut created = 0;
    for (slug, title, description, kind, window, category_id, position) in boards {
        if ranking::find(conn, &Key::Slug(slug.into()))
            .await
            .map_err(err)?
            .is_some()
        {
            continue;
        }
        let content = RankingContent {
            slug: slug.into(),
            title: title.into(),
            description: Some(description.into()),
            kind,
            size: if kind == RankingKind::Curated { 5 } else { 10 },
            position,
            time_window: window,
            category_id,
        };
        let board = ranking::insert(conn, &content).await.map_err(err)?;
        created += 1;
        if kind == RankingKind::Curated {
            let mut entries = Vec::new();
            for slug in HEADLINES {
                if let Some(a) = article::find(conn, &Key::Slug((*slug).into()))
                    .await
                    .map_err(err)?
                {
                    entries.push(Entry {
                        ranking_id: board.id,
                        article_id: a.id,
                        position: entries.len() as i32,
                        note: None,
                        starts_at: None,
                        ends_at: None,
                    });
                }
            }
            ranking::replace_entries(conn, board.id, &entries)
                .await
                .map_err(err)?;
        }
    }
    Ok(created)
}
