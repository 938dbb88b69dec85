-- The newsroom's synonym list for search: groups of terms that mean the same thing (a place's
-- full and short names, historic names, Russian names across the border). Applied at query
-- time, so an edit takes effect without reindexing. See src/search/synonyms.rs.
CREATE TABLE search_synonyms (
    id BIGSERIAL PRIMARY KEY,
    -- The group's first term (how lists name it), unique.
    name TEXT NOT NULL UNIQUE,
    -- Two or more terms, any script; a query naming one finds articles naming any of them.
    terms TEXT[] NOT NULL,
    -- Terms of the group that also mean something else (黑龙江: the province and the river):
    -- matches through them rank below matches through the others, unless one of `context`
    -- is in the article too. A query naming only such a term is not expanded.
    ambiguous TEXT[] NOT NULL DEFAULT '{}',
    -- Words that say this group's sense is meant.
    context TEXT[] NOT NULL DEFAULT '{}',
    note TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (cardinality(terms) BETWEEN 2 AND 20),
    CHECK (cardinality(context) <= 30)
);

-- The region's places: full and short names, historic names, and the Russian names of the
-- places across the border, both ways. Editable through /api/v1/search/synonyms.
INSERT INTO search_synonyms (name, terms, ambiguous, context, note) VALUES
 ('黑河市', '{黑河市,黑河,Хэйхэ}', '{}', '{}', 'City; Russian name'),
 ('爱辉区', '{爱辉区,爱辉,瑷珲,Айгунь}', '{}', '{}', 'District; historic name 瑷珲 (Aigun)'),
 ('逊克县', '{逊克县,逊克,Сюнькэ}', '{}', '{}', 'County'),
 ('孙吴县', '{孙吴县,孙吴,Суньу}', '{}', '{}', 'County'),
 ('北安市', '{北安市,北安,Бэйань}', '{}', '{}', 'County-level city'),
 ('嫩江市', '{嫩江市,嫩江,Нэньцзян}', '{嫩江}', '{全市,市委,市政府}', 'County-level city; 嫩江 is also the river'),
 ('五大连池市', '{五大连池市,五大连池,Удаляньчи}', '{}', '{}', 'County-level city and the volcanic lakes'),
 ('黑龙江省', '{黑龙江省,龙江,黑省,黑龙江,Хэйлунцзян}', '{黑龙江}',
  '{全省,省委,省政府,省级,省内,全国,哈尔滨}', 'The province; 黑龙江 is also the river'),
 ('阿穆尔河', '{阿穆尔河,黑龙江,Амур}', '{黑龙江}',
  '{江面,航道,界江,开江,封江,流域,沿岸,江水,冰面,江段,渡口,口岸}', 'The river (Amur); 黑龙江 is also the province'),
 ('布拉戈维申斯克', '{布拉戈维申斯克,海兰泡,布市,Благовещенск}', '{}', '{}', 'Across the river from 黑河; historic Chinese name 海兰泡'),
 ('阿穆尔州', '{阿穆尔州,Амурская область}', '{}', '{}', 'The Russian region across the river'),
 ('哈巴罗夫斯克', '{哈巴罗夫斯克,伯力,Хабаровск}', '{}', '{}', 'Historic Chinese name 伯力'),
 ('符拉迪沃斯托克', '{符拉迪沃斯托克,海参崴,Владивосток}', '{}', '{}', 'Historic Chinese name 海参崴'),
 ('俄罗斯', '{俄罗斯,俄国,Россия}', '{}', '{}', NULL),
 ('哈尔滨市', '{哈尔滨市,哈尔滨,冰城,Харбин}', '{冰城}', '{}', 'Provincial capital; 冰城 (Ice City) is a nickname');
