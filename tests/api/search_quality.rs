//! Measured search quality: a labelled evaluation set over a fixed corpus (the demo articles plus
//! a generated grid of places × topics, written through the API), scored by recall@10 and MRR for
//! newsdesk's search and, in the same run, for a plain `ILIKE '%q%'` baseline.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use newsdesk::models::user::Role;
use serde_json::json;

use crate::helpers::{TestApp, ids, spawn_app};

/// Places of the generated grid: key and the full name the texts use (never the short form).
const PLACES: [(&str, &str); 7] = [
    ("heihe", "黑河市"),
    ("aihui", "爱辉区"),
    ("xunke", "逊克县"),
    ("sunwu", "孙吴县"),
    ("beian", "北安市"),
    ("nenjiang", "嫩江市"),
    ("wdlc", "五大连池市"),
];

/// Topics of the grid: key, channel, tag, title, body (`{p}` = the place, `{y}` = a year,
/// `{a}` = AI in ASCII or full width).
/// Each topic has words of its own, so what each article contains is known.
#[rustfmt::skip]
const TOPICS: [(&str, &str, &str, &str, &str); 15] = [
    ("ice", "wenti", "冰雪旅游", "{p}冰雪旅游季开幕 冰雕雪塑迎客来",
     "<p>{p}冰雪旅游季日前开幕，冰雕雪塑、雪地摩托和冬捕体验吸引了大批游客。</p><p>当地文旅部门表示，将以冰雪旅游为牵引，延长冬季旅游链条，让冷资源变成热经济。</p>"),
    ("car", "hangye", "寒地试车", "{p}寒地试车产业迎来测试旺季",
     "<p>入冬以来，十余家整车和零部件企业来到{p}开展寒地试车，测试车辆在零下三十多度的严寒中检验冷启动和制动性能。</p><p>试车场周边的餐饮、住宿和维修服务同步升级，寒地试车正成为县域经济新的增长点。</p>"),
    ("soil", "gedi", "黑土地", "{p}加强黑土地保护 大豆种植面积再扩大",
     "<p>今年{p}实施黑土地保护性耕作，推广秸秆还田、深松整地和轮作休耕。</p><p>在良种良法的带动下，全域大豆种植面积继续扩大，黑土地粮仓底色更加鲜亮。</p>"),
    ("ecom", "bianjing", "跨境电商", "{p}跨境电商企业加快拓展对俄业务",
     "<p>{p}的跨境电商企业通过海外仓和直播带货，把俄罗斯的巧克力、蜂蜜和面粉卖向全国。</p><p>不少企业表示，对俄合作让小商品走出了大市场。</p>"),
    ("trade", "bianjing", "互市贸易", "{p}边民互市贸易进口商品落地加工",
     "<p>{p}依托边民互市贸易，引导合作社把进口的大豆、油菜籽和木材就地加工。</p><p>互市贸易落地加工项目投产后，带动当地边民增收。</p>"),
    ("biz", "shizheng", "营商环境", "{p}持续优化营商环境 企业开办一天办结",
     "<p>{p}深化政务服务改革，企业开办、不动产登记等事项实现一网通办。</p><p>营商环境的持续改善，让更多投资者愿意来、留得住。</p>"),
    ("village", "gedi", "乡村振兴", "{p}乡村振兴示范村建设提速",
     "<p>{p}今年投入专项资金建设乡村振兴示范村，硬化村屯道路、改造农村厕所，发展庭院经济和乡村民宿。</p><p>村民说，村里环境变美了，腰包也鼓了。</p>"),
    ("digital", "hangye", "数字经济", "{p}年内新建5G基站120座 数字经济提速",
     "<p>{p}加快新型基础设施建设，年内新建5G基站120座，重点场所实现5G网络全覆盖。</p><p>工业互联网和智慧农业项目相继落地，数字经济成为新的增长引擎。</p>"),
    ("ai", "shehui", "人工智能", "{p}中小学开设AI课程 人工智能走进课堂",
     "<p>新学期，{p}多所中小学开设AI课程，学生在课堂上编程、训练机器人。</p><p>教育部门表示，将用{a}赋能教育，培养青少年的创新能力。</p>"),
    ("nqp", "lilun", "新质生产力", "{p}培育新质生产力 打造绿色食品产业集群",
     "<p>{p}围绕绿色食品、生物医药和清洁能源布局新兴产业，以科技创新培育新质生产力。</p><p>园区企业引进智能生产线，新产品研发周期明显缩短。</p>"),
    ("wetland", "shengtai", "湿地", "{p}启动湿地保护修复工程 候鸟栖息地扩大",
     "<p>{p}今年启动湿地保护修复工程，退耕还湿、清理河道，为候鸟迁徙提供更多栖息地。</p><p>观鸟爱好者在湿地里记录到丹顶鹤、白鹭等珍稀鸟类。</p>"),
    ("econ", "shizheng", "经济运行", "{p}前三季度经济运行稳中有进",
     "<p>{y}年前三季度，{p}地区生产总值同比增长百分之五点六，固定资产投资和社会消费品零售总额保持增长。</p><p>统计部门分析，工业和服务业对经济增长的贡献进一步提升。</p>"),
    ("cnru", "wenti", "冰球", "{p}举办中俄青少年冰球友谊赛",
     "<p>中俄两国青少年冰球队日前在{p}同场竞技，赛后双方队员互赠纪念品。</p><p>主办方表示，中俄体育文化交流将常态化开展。</p>"),
    ("fire", "shehui", "森林防火", "{p}全面进入春季森林草原防火紧要期",
     "<p>{p}组织专业扑火队伍开展实战演练，在重点林区设立防火检查站，严管野外用火。</p><p>护林员每天徒步巡护，发现火情第一时间报告。</p>"),
    ("talk", "lilun", "理论宣讲", "{p}理论宣讲小分队走进田间地头",
     "<p>{p}组建理论宣讲小分队，用群众听得懂的语言宣讲党的创新理论和惠农政策。</p><p>宣讲员结合身边变化讲政策，村民听得明白、记得牢靠。</p>"),
];

#[derive(Clone, Copy, PartialEq)]
enum Vis {
    Public,
    Draft,
    Trashed,
    Scheduled,
    Offline,
}

/// Articles outside the grid: key, channel, title, body, visibility. Two have a phrase or not,
/// two contain a query's characters but not its word, the last four must never be found.
#[rustfmt::skip]
const SPECIALS: [(&str, &str, &str, &str, Vis); 16] = [
    ("phrase-pos", "shizheng", "专家建言推动黑河口岸经济转型升级",
     "<p>座谈会上，专家们围绕推动黑河口岸经济转型升级建言献策，建议发展落地加工和跨境物流。</p>", Vis::Public),
    ("phrase-neg", "bianjing", "黑河举办边境旅游论坛 推动跨境旅游合作",
     "<p>论坛期间，黑河与布拉戈维申斯克两地旅游部门签署协议，共同推动跨境旅游线路互联互通。</p>", Vis::Public),
    ("iphone", "hangye", "黑河首家手机旗舰店开业 iPhone 16系列到货",
     "<p>店内展示了iPhone 16系列新机，顾客可以现场体验。</p>", Vis::Public),
    ("dongbei", "shehui", "东北安全生产培训班开班", "<p>来自各地的企业安全负责人参加了为期三天的培训。</p>", Vis::Public),
    ("quality", "guonei", "高校提升科技创新质量 成果转化率提高",
     "<p>多所高校完善科研评价机制，科技创新质量和成果转化效率同步提升。</p>", Vis::Public),
    // For the extended set (script, pinyin, aliases, Russian).
    ("ru-fair", "bianjing", "中俄商品交易会开幕 俄方展商带来特色商品",
     "<p>交易会现场，俄方展商用俄语招呼顾客：Добро пожаловать на ярмарку! 展区入口挂着“Российско-китайская ярмарка”的横幅。</p>", Vis::Public),
    ("hailanpao", "shehui", "海兰泡历史陈列馆举办老照片展", "<p>展览以一百余幅老照片回顾了海兰泡的城市变迁。</p>", Vis::Public),
    ("province", "shizheng", "龙江夏季避暑旅游推介会举行 全省推出百余条线路",
     "<p>推介会上，各地推出避暑、康养和自驾线路，邀请游客夏季来龙江。</p>", Vis::Public),
    ("province2", "shizheng", "黑龙江省出台措施支持民营经济发展",
     "<p>黑龙江省日前出台若干措施，全省将进一步优化民营企业发展环境。</p>", Vis::Public),
    ("river", "shengtai", "黑龙江江面开江 界江航道即将恢复通航",
     "<p>随着气温回升，黑龙江江面冰层开裂，界江航道即将恢复通航。</p>", Vis::Public),
    ("bank", "shengtai", "松花江北岸步道建成开放", "<p>步道沿江北岸延伸三公里，市民可以骑行观景。</p>", Vis::Public),
    ("trad", "bianjing", "邊境口岸開通冷鏈物流專線", "<p>冷鏈物流專線開通後，進口水產品通關時間大幅縮短。</p>", Vis::Public),
    ("draft", "gedi", "逊克县蓝莓酒庄试营业", "<p>蓝莓酒庄迎来首批客人。</p>", Vis::Draft),
    ("trashed", "gedi", "孙吴县温泉小镇规划发布", "<p>温泉小镇规划面积三平方公里。</p>", Vis::Trashed),
    ("scheduled", "gedi", "五大连池市火山矿泉节定于明年举办", "<p>火山矿泉节将持续一周。</p>", Vis::Scheduled),
    ("offline", "gedi", "嫩江市大鹅养殖合作社分红", "<p>大鹅养殖让社员分到了红利。</p>", Vis::Offline),
];

/// The answer key: query, kind, articles that must be found, articles that must not be.
/// Selectors: `d:<demo slug prefix>`, `<place>/<topic>` (either part may be `*`), `x:<special>`.
type Case = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);
const YIN_DI: &str = "d:yin-di";
#[rustfmt::skip]
const QUERIES: &[Case] = &[
    ("黑河", "single", &["heihe/*", YIN_DI, "d:she-bei", "d:yi-jiu", "d:kou-an", "d:bing-shang", "d:ran-qi", "x:phrase-pos", "x:phrase-neg", "x:iphone"], &[]),
    ("寒地试车", "single", &["*/car"], &[]),
    ("湿地", "single", &["*/wetland", "d:wu-da"], &[]),
    ("跨境电商", "single", &["*/ecom", "d:kou-an", YIN_DI], &[]),
    ("以旧换新", "single", &["d:she-bei", "d:yi-jiu", "d:xiao-fei"], &[]),
    ("冰球", "single", &["*/cnru"], &[]),
    ("营商环境", "single", &["*/biz"], &[]),
    ("乡村振兴", "single", &["*/village"], &[]),
    ("数字经济", "single", &["*/digital", YIN_DI], &[]),
    ("人工智能", "single", &["*/ai", YIN_DI], &[]),
    ("理论宣讲", "single", &["*/talk"], &[]),
    ("龙舟", "single", &["d:bing-shang"], &[]),
    ("燃气", "single", &["d:ran-qi"], &[]),
    ("对俄合作", "single", &["*/ecom"], &[]),
    ("以新促质", "single", &[YIN_DI], &[]),
    ("高质量发展", "single", &[YIN_DI, "d:she-bei"], &[]),
    ("生产力", "sub-word", &["*/nqp", YIN_DI, "d:she-bei"], &[]),
    ("新质", "sub-word", &["*/nqp", YIN_DI, "d:she-bei"], &["x:quality"]),
    ("振兴", "sub-word", &["*/village", YIN_DI], &[]),
    ("电商", "sub-word", &["*/ecom", "d:kou-an", YIN_DI], &[]),
    ("试车", "sub-word", &["*/car"], &[]),
    ("冰雪", "sub-word", &["*/ice", "d:bing-shang"], &[]),
    ("营商", "sub-word", &["*/biz"], &[]),
    ("黑河 新质生产力", "multi", &["heihe/nqp", YIN_DI, "d:she-bei"], &[]),
    ("逊克 冰雪旅游", "multi", &["xunke/ice"], &["heihe/ice", "xunke/car"]),
    ("北安 寒地试车", "multi", &["beian/car"], &[]),
    ("嫩江 黑土地 大豆", "multi", &["nenjiang/soil"], &["nenjiang/trade"]),
    ("孙吴 中俄", "multi", &["sunwu/cnru"], &["d:kou-an"]),
    ("爱辉 营商环境", "multi", &["aihui/biz"], &[]),
    ("五大连池 湿地", "multi", &["wdlc/wetland", "d:wu-da"], &[]),
    ("黑河口岸", "multi", &["d:kou-an", "x:phrase-pos"], &[]),
    ("黑河的冰雪旅游", "multi", &["heihe/ice", "d:bing-shang"], &[]),
    ("黑河，营商环境", "multi", &["heihe/biz"], &[]),
    ("推动 黑河", "multi", &[YIN_DI, "d:she-bei", "d:kou-an", "x:phrase-pos", "x:phrase-neg"], &[]),
    ("\"推动黑河\"", "phrase", &[YIN_DI, "x:phrase-pos"], &["x:phrase-neg", "d:she-bei", "d:kou-an"]),
    ("“以旧换新补贴”", "phrase", &["d:yi-jiu"], &["d:she-bei", "d:xiao-fei"]),
    ("\"寒地试车产业\"", "phrase", &["*/car"], &[]),
    ("\"互市贸易落地加工\"", "phrase", &["*/trade"], &[]),
    ("\"跨境旅游合作\"", "phrase", &["x:phrase-neg"], &["x:phrase-pos"]),
    ("逊克", "place", &["xunke/*"], &[]),
    ("孙吴县", "place", &["sunwu/*"], &[]),
    ("北安", "place", &["beian/*"], &["x:dongbei"]),
    ("嫩江", "place", &["nenjiang/*"], &[]),
    ("五大连池", "place", &["wdlc/*", "d:wu-da"], &[]),
    ("黑龙江", "place", &["d:kou-an", "d:bing-shang", YIN_DI, "x:province2", "x:river"], &[]),
    ("5G基站", "mixed", &["*/digital"], &[]),
    ("5g", "mixed", &["*/digital"], &[]),
    ("AI 赋能", "mixed", &["*/ai"], &[]),
    ("ＡＩ", "mixed", &["*/ai"], &[]),
    ("AI课程", "mixed", &["*/ai"], &[]),
    ("iPhone", "mixed", &["x:iphone"], &[]),
    ("IPHONE", "mixed", &["x:iphone"], &[]),
    ("2024", "number", &["xunke/econ", "nenjiang/econ"], &[]),
    ("2023", "number", &["aihui/econ", "beian/econ", YIN_DI], &[]),
    ("比特币", "nothing", &[], &[]),
    ("火星探测器", "nothing", &[], &[]),
    ("世界杯", "nothing", &[], &[]),
    ("kubernetes", "nothing", &[], &[]),
    ("黑河 比特币", "nothing", &[], &[]),
    ("蓝莓酒庄", "hidden", &[], &["x:draft"]),
    ("温泉小镇", "hidden", &[], &["x:trashed"]),
    ("火山矿泉节", "hidden", &[], &["x:scheduled"]),
    ("大鹅养殖", "hidden", &[], &["x:offline"]),
];

/// What 黑河 finds.
const HEIHE: &[&str] = &[
    "heihe/*",
    YIN_DI,
    "d:she-bei",
    "d:yi-jiu",
    "d:kou-an",
    "d:bing-shang",
    "d:ran-qi",
    "x:phrase-pos",
    "x:phrase-neg",
    "x:iphone",
];
/// What 布拉戈维申斯克 (or its historic name 海兰泡) finds.
const BLAG: &[&str] = &["x:phrase-neg", "x:hailanpao"];

/// Queries as readers of a border city type them: the query, its kind, the simplified-Chinese
/// text whose articles it must find (`|` separates alternatives; `None`: a sense, labelled by
/// hand), articles that must be found, articles that must not be.
type Extended = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
    &'static [&'static str],
);
#[rustfmt::skip]
const EXTENDED: &[Extended] = &[
    ("冰雪旅遊", "traditional", Some("冰雪旅游"), &["*/ice", "d:bing-shang"], &[]),
    ("營商環境", "traditional", Some("营商环境"), &["*/biz"], &[]),
    ("遜克 冰雪旅遊", "traditional", Some("逊克 冰雪旅游"), &["xunke/ice"], &["heihe/ice", "xunke/car"]),
    ("濕地", "traditional", Some("湿地"), &["*/wetland", "d:wu-da"], &[]),
    ("寒地試車", "traditional", Some("寒地试车"), &["*/car"], &[]),
    ("鄉村振興", "traditional", Some("乡村振兴"), &["*/village"], &[]),
    ("跨境電商", "traditional", Some("跨境电商"), &["*/ecom", "d:kou-an", YIN_DI], &[]),
    ("以舊換新", "traditional", Some("以旧换新"), &["d:she-bei", "d:yi-jiu", "d:xiao-fei"], &[]),
    ("“推動黑河”", "traditional", Some("\"推动黑河\""), &[YIN_DI, "x:phrase-pos"], &["x:phrase-neg"]),
    ("愛輝 營商環境", "traditional", Some("爱辉 营商环境"), &["aihui/biz"], &[]),
    ("冷链物流", "traditional", Some("冷链物流"), &["x:trad"], &[]),
    ("heihe", "pinyin", Some("黑河"), HEIHE, &[]),
    ("Hei He", "pinyin", Some("黑河"), HEIHE, &[]),
    ("xunke", "pinyin", Some("逊克"), &["xunke/*"], &[]),
    ("wudalianchi", "pinyin", Some("五大连池"), &["wdlc/*", "d:wu-da"], &[]),
    ("wdlc", "pinyin", Some("五大连池"), &["wdlc/*", "d:wu-da"], &[]),
    ("beian", "pinyin", Some("北安"), &["beian/*"], &["x:dongbei"]),
    ("bingxue lvyou", "pinyin", Some("冰雪旅游"), &["*/ice", "d:bing-shang"], &[]),
    ("heihe 口岸", "pinyin", Some("黑河 口岸"), &["d:kou-an", "x:phrase-pos"], &[]),
    ("aihui yingshang huanjing", "pinyin", Some("爱辉 营商环境"), &["aihui/biz"], &[]),
    ("sunwu bingqiu", "pinyin", Some("孙吴 冰球"), &["sunwu/cnru"], &[]),
    ("五大连池市", "alias", Some("五大连池"), &["wdlc/*", "d:wu-da"], &[]),
    ("黑河市", "alias", Some("黑河"), HEIHE, &[]),
    ("北安市", "alias", Some("北安"), &["beian/*"], &["x:dongbei"]),
    ("海兰泡", "alias", Some("布拉戈维申斯克|海兰泡"), BLAG, &[]),
    ("瑷珲", "alias", Some("爱辉|瑷珲"), &["aihui/*"], &[]),
    ("龙江", "alias", None, &["x:province", "x:province2", YIN_DI], &[]),
    ("Благовещенск", "russian", Some("布拉戈维申斯克|海兰泡"), BLAG, &[]),
    ("в Благовещенске", "russian", Some("布拉戈维申斯克|海兰泡"), BLAG, &[]),
    ("Хэйхэ", "russian", Some("黑河"), HEIHE, &[]),
    ("ярмарки", "russian", Some("ярмарк"), &["x:ru-fair"], &[]),
    ("Айгунь", "russian", Some("爱辉|瑷珲"), &["aihui/*"], &[]),
    ("Амур", "russian", None, &["x:river", "d:bing-shang", "d:kou-an"], &[]),
    ("bitebi", "nothing", Some("比特币"), &[], &[]),
    ("Москва", "nothing", Some("莫斯科"), &[], &[]),
    ("黑河 莫斯科", "nothing", Some("黑河 莫斯科"), &[], &[]),
];

const VISIBLE: &str = "status = 'published' AND deleted_at IS NULL AND published_at <= now() \
                       AND (offline_at IS NULL OR offline_at > now())";

#[derive(diesel::QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(diesel::QueryableByName)]
struct DocRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    slug: String,
    #[diesel(sql_type = Text)]
    text: String,
}

/// Full-width letters and digits folded, lower case (as a reader would compare).
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a selector names the article with this key (`d:<slug>`, `x:<special>`, `place/topic`).
fn selects(sel: &str, key: &str) -> bool {
    if sel.starts_with("d:") {
        return key.starts_with(sel);
    }
    match (sel.split_once('/'), key.split_once('/')) {
        (Some((sp, st)), Some((kp, kt))) => (sp == "*" || sp == kp) && (st == "*" || st == kt),
        _ => sel == key,
    }
}

/// Cross-check of the hand labels: the visible articles containing as text every quoted phrase
/// of `q` and every run of letters and digits outside quotes (的 and punctuation split runs).
fn containing(q: &str, docs: &[(i64, String)]) -> HashSet<i64> {
    containing_with(q, docs, fold)
}

fn containing_with(q: &str, docs: &[(i64, String)], fold: fn(&str) -> String) -> HashSet<i64> {
    let mut needles = Vec::new();
    for (i, part) in q.split(['"', '“', '”']).enumerate() {
        if i % 2 == 1 {
            needles.push(fold(part.trim()));
        } else {
            needles.extend(
                part.split(|c: char| !c.is_alphanumeric() || c == '的')
                    .map(fold),
            );
        }
    }
    needles.retain(|n| !n.is_empty());
    docs.iter()
        .filter(|(_, t)| needles.iter().all(|n| t.contains(n.as_str())))
        .map(|(id, _)| *id)
        .collect()
}

/// What a query found that it must not: anything when it must find nothing, a forbidden or a
/// hidden article.
fn forbidden_finds(
    q: &str,
    found: &[i64],
    expected: &HashSet<i64>,
    forbidden: &HashSet<i64>,
    hidden: &HashSet<i64>,
    problems: &mut Vec<String>,
) {
    if expected.is_empty() && !found.is_empty() {
        problems.push(format!("{q}: must find nothing, found {found:?}"));
    }
    let bad: Vec<_> = found
        .iter()
        .filter(|id| forbidden.contains(id) || hidden.contains(id))
        .collect();
    if !bad.is_empty() {
        problems.push(format!("{q}: found articles it must not: {bad:?}"));
    }
}

/// Recall@10 (over min(|expected|, 10)) and reciprocal rank; an empty answer key is met, with
/// 1 and 1, only by an empty result.
fn score(found: &[i64], expected: &HashSet<i64>) -> (f64, f64) {
    let top = &found[..found.len().min(10)];
    if expected.is_empty() {
        return if top.is_empty() {
            (1.0, 1.0)
        } else {
            (0.0, 0.0)
        };
    }
    let hits = top.iter().filter(|id| expected.contains(id)).count();
    let rr = top
        .iter()
        .position(|id| expected.contains(id))
        .map_or(0.0, |i| 1.0 / (i + 1) as f64);
    (hits as f64 / expected.len().min(10) as f64, rr)
}

/// The `ILIKE '%q%'` baseline: the whole query (quotes dropped) as a substring, newest first.
async fn baseline(conn: &mut AsyncPgConnection, q: &str) -> Vec<i64> {
    let text: String = q
        .chars()
        .filter(|c| !matches!(c, '"' | '“' | '”'))
        .collect();
    let escaped = text
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let sql = format!(
        "SELECT id FROM articles WHERE {VISIBLE} AND (title ILIKE $1 OR coalesce(kicker, '') ILIKE $1 \
         OR coalesce(subtitle, '') ILIKE $1 OR summary ILIKE $1 OR body_text ILIKE $1) \
         ORDER BY published_at DESC, id DESC LIMIT 10"
    );
    let rows: Vec<IdRow> = diesel::sql_query(sql)
        .bind::<Text, _>(format!("%{escaped}%"))
        .load(conn)
        .await
        .unwrap();
    rows.into_iter().map(|r| r.id).collect()
}

/// Newsdesk's search, anonymous, first page of ten.
async fn newsdesk(app: &TestApp, q: &str) -> Vec<i64> {
    let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let (status, body) = app
        .get_as(&format!("/api/v1/search?q={enc}&per_page=10"), None)
        .await;
    assert_eq!(status, 200, "search {q}: {body}");
    ids(&body)
}

/// Writes the generated corpus through the API; returns (key, id) of every article.
async fn write_corpus(app: &TestApp, token: &str) -> Vec<(String, i64)> {
    let base: DateTime<Utc> = "2026-07-01T00:00:00Z".parse().unwrap();
    let mut out = Vec::new();
    for (ti, (topic, channel, tag, title, body)) in TOPICS.iter().enumerate() {
        let category_id = app.category_id(channel).await;
        for (pi, (place, name)) in PLACES.iter().enumerate() {
            let year = (2022 + pi % 3).to_string();
            let ai = if pi % 2 == 0 { "AI" } else { "ＡＩ" };
            let fill = |t: &str| {
                t.replace("{p}", name)
                    .replace("{y}", &year)
                    .replace("{a}", ai)
            };
            let n = (ti * PLACES.len() + pi) as i64;
            let article = json!({
                "slug": format!("sq-{place}-{topic}"), "title": fill(title), "body": fill(body),
                "category_id": category_id, "tags": [tag], "status": "published",
                "published_at": (base + Duration::hours(20 * n)).to_rfc3339(),
            });
            let id = app.create_article(token, article).await["id"]
                .as_i64()
                .unwrap();
            out.push((format!("{place}/{topic}"), id));
        }
    }
    for (i, (key, channel, title, body, vis)) in SPECIALS.iter().enumerate() {
        let published_at = match vis {
            Vis::Scheduled => Utc::now() + Duration::days(30),
            _ => base + Duration::days(90 + i as i64),
        };
        let mut article = json!({
            "slug": format!("sq-x-{key}"), "title": title, "body": body,
            "category_id": app.category_id(channel).await,
            "status": if *vis == Vis::Draft { "draft" } else { "published" },
        });
        if *vis != Vis::Draft {
            article["published_at"] = json!(published_at.to_rfc3339());
        }
        if *vis == Vis::Offline {
            article["offline_at"] = json!((published_at + Duration::days(1)).to_rfc3339());
        }
        let id = app.create_article(token, article).await["id"]
            .as_i64()
            .unwrap();
        if *vis == Vis::Trashed {
            assert_eq!(
                app.delete_as(&format!("/api/v1/articles/{id}"), token)
                    .await,
                204
            );
        }
        out.push((format!("x:{key}"), id));
    }
    out
}

#[tokio::test]
async fn search_quality_beats_the_ilike_baseline() {
    let app = spawn_app().await;
    let mut conn = app.conn().await;
    app.create_user("seed-admin@example.com", Role::Admin).await;
    newsdesk::seed::run(&mut conn).await.unwrap();
    // The corpus is fixed: the demo articles as they were when the answer key was written
    // (the demo content may grow; this test's labels must not move with it).
    let demo = include_str!("../fixtures/search-corpus-articles.json");
    newsdesk::seed::articles::run_with(&mut conn, None, demo)
        .await
        .unwrap();
    // As `newsdesk seed` does: the running instance's search postings are rebuilt.
    newsdesk::listener::notify_instances(&mut conn)
        .await
        .unwrap();
    let token = app.token(Role::Editor).await;
    let mut keys = write_corpus(&app, &token).await;

    // Every visible article, its text (title, kicker, subtitle, summary, body, tags) folded.
    let sql = format!(
        "SELECT a.id, a.slug, concat_ws(E'\\n', a.title, a.kicker, a.subtitle, a.summary, \
         a.body_text, (SELECT string_agg(t.name, E'\\n') FROM article_tags x JOIN tags t \
         ON t.id = x.tag_id WHERE x.article_id = a.id)) AS text FROM articles a WHERE {VISIBLE}"
    );
    let rows: Vec<DocRow> = diesel::sql_query(sql).load(&mut conn).await.unwrap();
    let docs: Vec<(i64, String)> = rows.iter().map(|r| (r.id, fold(&r.text))).collect();
    for r in rows.iter().filter(|r| !r.slug.starts_with("sq-")) {
        keys.push((format!("d:{}", r.slug), r.id));
    }
    assert!(
        keys.len() >= PLACES.len() * TOPICS.len() + SPECIALS.len() + 8,
        "corpus: {} articles",
        keys.len()
    );
    let resolve = |sels: &[&str]| -> HashSet<i64> {
        let mut set = HashSet::new();
        for sel in sels {
            let named: Vec<i64> = keys
                .iter()
                .filter(|(k, _)| selects(sel, k))
                .map(|(_, id)| *id)
                .collect();
            assert!(!named.is_empty(), "selector {sel} names no article");
            set.extend(named);
        }
        set
    };
    let hidden: HashSet<i64> = resolve(&["x:draft", "x:trashed", "x:scheduled", "x:offline"]);
    assert!(QUERIES.len() >= 40);

    let (mut nd_recall, mut nd_rr, mut base_recall, mut base_rr) = (0.0, 0.0, 0.0, 0.0);
    let (mut nd_rr_found, mut base_rr_found, mut with_answers) = (0.0, 0.0, 0);
    let mut lines = vec![format!(
        "{:<20} {:<8} {:>4} | {:>6} {:>5} | {:>6} {:>5}",
        "query", "kind", "exp", "nd R", "RR", "base R", "RR"
    )];
    let mut problems = Vec::new();
    for (q, kind, expect, forbid) in QUERIES {
        let expected = resolve(expect);
        let forbidden = resolve(forbid);
        // The answer key must agree with the text of the corpus (visible articles only), but
        // for the articles that contain the text without the word (东北安全 is not 北安).
        let truth: HashSet<i64> = &containing(q, &docs) - &forbidden;
        assert_eq!(
            expected, truth,
            "answer key of {q} is out of date (labelled, corpus)"
        );
        let found = newsdesk(&app, q).await;
        let base = baseline(&mut conn, q).await;
        let (r, rr) = score(&found, &expected);
        let (br, brr) = score(&base, &expected);
        nd_recall += r;
        nd_rr += rr;
        base_recall += br;
        base_rr += brr;
        if !expected.is_empty() {
            with_answers += 1;
            nd_rr_found += rr;
            base_rr_found += brr;
        }
        lines.push(format!(
            "{q:<20} {kind:<8} {:>4} | {r:>6.2} {rr:>5.2} | {br:>6.2} {brr:>5.2}",
            expected.len()
        ));
        forbidden_finds(q, &found, &expected, &forbidden, &hidden, &mut problems);
        if r < 1.0 {
            lines.push(format!("    missed: expected {expected:?}, got {found:?}"));
        }
    }
    let n = QUERIES.len() as f64;
    let a = with_answers as f64;
    let extended = evaluate_extended(&app, &rows, &resolve, &hidden, &mut problems).await;
    lines.extend(extended.lines);
    lines.push(format!(
        "newsdesk: recall@10 {:.3}  MRR {:.3}  (MRR over {with_answers} queries with answers {:.3})",
        nd_recall / n, nd_rr / n, nd_rr_found / a
    ));
    lines.push(format!(
        "ILIKE   : recall@10 {:.3}  MRR {:.3}  (MRR over {with_answers} queries with answers {:.3})",
        base_recall / n, base_rr / n, base_rr_found / a
    ));
    for (key, id) in &keys {
        if key.starts_with("x:") || key.starts_with("d:") {
            lines.push(format!("{id:>4} {key}"));
        }
    }
    let report = lines.join("\n");
    println!("{report}");
    eprintln!("{report}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        nd_recall / n >= 0.999 && nd_rr_found / a >= 0.999,
        "newsdesk recall@10 {:.3}, MRR {:.3}: the project's own set must stay at 1.00",
        nd_recall / n,
        nd_rr_found / a
    );
    for (kind, recall, mrr) in extended.kinds {
        assert!(
            recall >= 0.9 && mrr >= 0.75,
            "{kind}: recall@10 {recall:.3}, MRR {mrr:.3} (need 0.9 and 0.75)"
        );
    }
}

struct ExtendedReport {
    lines: Vec<String>,
    /// Per kind: recall@10 and MRR (over the queries with answers; 1 when there are none).
    kinds: Vec<(&'static str, f64, f64)>,
}

/// Runs the extended set: each query's answer key is checked against the corpus text (folded
/// as the index folds it) for its simplified equivalent, then scored per kind.
async fn evaluate_extended(
    app: &TestApp,
    rows: &[DocRow],
    resolve: &dyn Fn(&[&str]) -> HashSet<i64>,
    hidden: &HashSet<i64>,
    problems: &mut Vec<String>,
) -> ExtendedReport {
    fn normalized(s: &str) -> String {
        newsdesk::search::normalize(s)
    }
    let docs: Vec<(i64, String)> = rows.iter().map(|r| (r.id, normalized(&r.text))).collect();
    let mut lines = vec![String::new(), "extended set".to_owned()];
    let mut kinds: Vec<(&'static str, f64, f64, usize, usize)> = Vec::new();
    for (q, kind, equivalent, expect, forbid) in EXTENDED {
        let expected = resolve(expect);
        let forbidden = resolve(forbid);
        if let Some(eq) = equivalent {
            let mut truth = HashSet::new();
            for alt in eq.split('|') {
                truth.extend(containing_with(alt, &docs, normalized));
            }
            let truth: HashSet<i64> = &truth - &forbidden;
            if expected != truth {
                problems.push(format!(
                    "answer key of {q} ({eq}) is out of date: labelled {expected:?}, corpus {truth:?}"
                ));
            }
        }
        let found = newsdesk(app, q).await;
        let (r, rr) = score(&found, &expected);
        let k = match kinds.iter().position(|k| k.0 == *kind) {
            Some(i) => i,
            None => {
                kinds.push((kind, 0.0, 0.0, 0, 0));
                kinds.len() - 1
            }
        };
        kinds[k].1 += r;
        kinds[k].3 += 1;
        if !expected.is_empty() {
            kinds[k].2 += rr;
            kinds[k].4 += 1;
        }
        lines.push(format!(
            "{q:<20} {kind:<11} {:>4} | {r:>6.2} {rr:>5.2}",
            expected.len()
        ));
        forbidden_finds(q, &found, &expected, &forbidden, hidden, problems);
        if r < 1.0 || rr < 1.0 {
            lines.push(format!("    expected {expected:?}, got {found:?}"));
        }
    }
    let kinds: Vec<(&'static str, f64, f64)> = kinds
        .into_iter()
        .map(|(kind, r, rr, n, with)| {
            let mrr = if with == 0 { 1.0 } else { rr / with as f64 };
            (kind, r / n as f64, mrr)
        })
        .collect();
    for (kind, r, mrr) in &kinds {
        lines.push(format!("{kind:<12} recall@10 {r:.3}  MRR {mrr:.3}"));
    }
    ExtendedReport { lines, kinds }
}
