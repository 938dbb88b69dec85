#!/usr/bin/env python3
"""Inspects the Kotlin and Swift clients that openapi-generator made from openapi/openapi.json.

Usage: inspect_models.py SPEC LABEL:LANG:DIR [LABEL:LANG:DIR ...]

  SPEC   the OpenAPI document the clients were generated from (JSON)
  LABEL  a name for the client in messages (e.g. kotlin-kx)
  LANG   kotlin (openapi-generator `kotlin`) or swift (`swift6`)
  DIR    the generator's output directory

Fails (exit 1, one `FAIL` line per problem) when, in any of the clients:
  * a property of a checked model, or of any model it reaches, is untyped (`kotlin.Any`,
    `JsonElement`, `AnyCodable`, `JSONValue`, ...);
  * a union of the spec (oneOf/anyOf of two or more schemas) is generated as one class that
    merges the variants' properties instead of a sealed class/interface (Kotlin) or an enum with
    associated values (Swift), or as a polymorphic type the generated code cannot decode (a
    sealed class without subclasses, discriminator values no subclass carries, a subclass whose
    property does not match the parent's, a Swift enum declared Identifiable without an `id`);
  * a field or query parameter the table below wants as an enum is a plain string.
The checks are data-driven: MODELS and QUERY_PARAMS. Standard library only.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

# ---- what must hold --------------------------------------------------------------------------
# Spec schema -> expectations. deep: the model and every model it reaches must be typed (no
# untyped properties, no merged unions). enums: JSON properties that must be enums.
# enum_items: array properties whose items must be enums. For a model generated as a union,
# the property expectations apply to each of its variants.
MODELS: dict[str, dict] = {
    "ArticleSummary": dict(deep=True),
    "ArticleDetail": dict(deep=True),
    "ListResponse_ArticleSummary": dict(deep=True),
    "ListMeta": dict(deep=True, enums=["total_relation"]),
    "Problem": dict(deep=True),
    "WebhookPayload": dict(deep=True, enums=["event"]),
    "DeliveryDto": dict(enums=["event"]),
    "AuditEntry": dict(enums=["action"]),
    "WebhookDto": dict(enum_items=["events"]),
    "CreateWebhook": dict(enum_items=["events"]),
    "UpdateWebhook": dict(enum_items=["events", "clear"]),
    # PATCH bodies: `clear` names the fields to clear (clients that cannot send null).
    "UpdateArticle": dict(enum_items=["clear"]),
    "UpdateSite": dict(enum_items=["clear"]),
}
# Query parameter name -> "enum" (one value of a closed set) or "enum list" (several, e.g.
# `include=related,most_read`). Checked in every operation of the spec that has the parameter.
QUERY_PARAMS: dict[str, str] = {
    "sort": "enum",
    "include": "enum list",
}

UNTYPED = {
    "kotlin": re.compile(r"(?<![\w.])(kotlin\.Any|Any)\b(?!\w)|\b(JsonElement|JsonObject|JsonArray|JsonPrimitive)\b"),
    "swift": re.compile(r"\b(AnyCodable|JSONValue|AnyObject|AnyHashable)\b|(?<![\w.])Any\b(?!\w)"),
}


def camel(name: str, upper: bool) -> str:
    """Spec names -> generated names: list_articles -> listArticles, ListResponse_X -> ListResponseX."""
    parts = [p for p in re.split(r"[_\-\s.]+", name) if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts)
    return out if upper else out[:1].lower() + out[1:]


# ---- the generated code, parsed just enough --------------------------------------------------
@dataclass
class Prop:
    json: str
    name: str
    type: str
    line: int
    override: bool = False


@dataclass
class Model:
    name: str
    kind: str  # class | enum | union | alias | interface
    file: Path
    line: int
    props: list[Prop] = field(default_factory=list)
    nested_enums: set[str] = field(default_factory=set)
    variants: list[str] = field(default_factory=list)  # union: the variants' type names
    parent: str | None = None
    serial_names: list[str] = field(default_factory=list)  # kotlinx @SerialName on the class
    handled: set[str] = field(default_factory=set)  # discriminator values the decoder handles
    discriminator: str | None = None
    identifiable_without_id: int = 0  # swift6: `extension X: Identifiable {}` on an enum (line)

    def where(self, line: int | None = None) -> str:
        return f"{self.file.name}:{line or self.line}"


def strip_type(t: str) -> str:
    t = re.sub(r"@\w+\s+", "", t.strip().rstrip(",").strip())  # `List<@Contextual X>` -> `List<X>`
    depth = 0
    for i, ch in enumerate(t):  # cut a default value: ` = null`
        if ch in "<[(":
            depth += 1
        elif ch in ">])":
            depth -= 1
        elif ch == "=" and depth == 0:
            return t[:i].strip()
    return t


KT_DECL = re.compile(
    r"^(?:public |internal )?(sealed class|sealed interface|enum class|data class|class|interface|typealias)\s+(\w+)",
    re.M)
KT_PROP = re.compile(r"^\s*((?:override |abstract |open )*)(?:val|var) `?(\w+)`?\s*:\s*(.+?)\s*$")
KT_NAME = re.compile(r'@SerialName\(value = "([^"]*)"\)|@Json\(name = "([^"]*)"\)')


def parse_kotlin_model(path: Path) -> Model | None:
    text = path.read_text()
    lines = text.splitlines()
    want = path.stem
    decl = next((m for m in KT_DECL.finditer(text) if m.group(2) == want), None)
    if decl is None:
        return None
    kw = decl.group(1)
    kind = {"enum class": "enum", "sealed class": "union", "sealed interface": "union",
            "interface": "interface", "typealias": "alias"}.get(kw, "class")
    start = text[:decl.start()].count("\n")
    model = Model(want, kind, path, start + 1)
    before = "\n".join(lines[max(0, start - 6):start])
    model.serial_names = re.findall(r'^@SerialName\(value = "([^"]*)"\)', before, re.M)
    if "@JsonClassDiscriminator" in before:
        model.discriminator = re.search(r'discriminator = "([^"]*)"', before).group(1)
    wrapped = re.search(r'element\["([^"]+)"\]\?\.jsonPrimitive', text)  # generateOneOfAnyOfWrappers
    if wrapped:
        model.discriminator = wrapped.group(1)
        model.handled = set(re.findall(r'^\s+"([^"]*)" -> \{', text, re.M))
    if kind == "alias":
        model.props.append(Prop("", "", lines[start].split("=", 1)[1].strip(), start + 1))
        return model
    inline = re.search(r"\((.*)\)", lines[start])  # `data class X(var actualInstance: Any? = null) {`
    for param in re.findall(r"(?:val|var) `?(\w+)`?\s*:\s*([^,]+)", inline.group(1) if inline else ""):
        model.props.append(Prop(param[0], param[0], strip_type(param[1]), start + 1))
    pending = None
    depth = 0  # brace depth inside the declaration: properties live at depth 0 (constructor) or 1 (body)
    for i in range(start, len(lines)):
        line = lines[i]
        if i > start and re.match(r"^(object|class|fun|val|private) ", line):
            break  # the wrappers' serializer object after the sealed interface
        m = KT_PROP.match(line)
        if m and depth <= 1:
            name, typ = m.group(2), strip_type(m.group(3))
            model.props.append(Prop(pending or name, name, typ, i + 1, "override" in m.group(1)))
            pending = None
        elif line.strip() and not line.strip().startswith(("/*", "*", "//")):
            # `@Contextual @SerialName(value = "x")` alone on its line names the next property
            n = KT_NAME.search(line)
            bare = not re.sub(r"@\w+(\([^)]*\))?", "", line).strip()
            pending = (n.group(1) if n.group(1) is not None else n.group(2)) if n and bare else None
        e = re.match(r"^\s+enum class (\w+)", line)
        if e:
            model.nested_enums.add(e.group(1))
        v = re.match(r"^\s+value class (\w+)\(val value: ([\w.]+)\) : " + want, line)
        if v:
            model.variants.append(v.group(2))
        p = re.match(r"^\)\s*:\s*([\w.]+)", line)
        if p:
            model.parent = p.group(1)
        depth += line.count("{") - line.count("}")
    return model


SW_DECL = re.compile(r"^public (struct|enum|final class|class|typealias) (\w+)(.*)$", re.M)


def parse_swift_model(path: Path) -> Model | None:
    text = path.read_text()
    lines = text.splitlines()
    want = path.stem
    decl = next((m for m in SW_DECL.finditer(text) if m.group(2) == want), None)
    if decl is None:
        return None
    kw, rest = decl.group(1), decl.group(3)
    start = text[:decl.start()].count("\n")
    if kw == "typealias":
        model = Model(want, "alias", path, start + 1)
        model.props.append(Prop("", "", rest.split("=", 1)[1].strip(), start + 1))
        return model
    if kw == "enum":
        kind = "enum" if re.match(r":\s*(String|Int|Int64|Double)\b", rest) else "union"
    else:
        kind = "class"
    model = Model(want, kind, path, start + 1)
    keys: dict[str, str] = {}
    in_keys = False
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith("}"):
            break
        if re.match(r"^    public enum CodingKeys", line):
            in_keys = True
        elif in_keys and line.startswith("    }"):
            in_keys = False
        elif in_keys:
            k = re.match(r'^\s+case (\w+)(?: = "([^"]*)")?', line)
            if k:
                keys[k.group(1)] = k.group(2) if k.group(2) is not None else k.group(1)
        m = re.match(r"^    public (?:var|let) `?(\w+)`?: (.+?)\s*$", line)
        if m:
            model.props.append(Prop(m.group(1), m.group(1), strip_type(m.group(2)), i + 1))
        e = re.match(r"^    public enum (\w+): (String|Int)", line)
        if e:
            model.nested_enums.add(e.group(1))
        c = re.match(r"^    case \w+\(([\w.\[\]: ]+)\)", line)
        if c and kind == "union":
            model.variants.append(c.group(1))
        d = re.match(r'^        case "([^"]*)":', line)
        if d:
            model.handled.add(d.group(1))
        if re.search(r"enum DiscriminatorCodingKey", line):
            model.discriminator = re.search(r'case \w+ = "([^"]*)"', lines[i + 1]).group(1)
    for p in model.props:
        p.json = keys.get(p.name, p.name)
    ident = re.search(rf"^(?:nonisolated )?extension {want}: Identifiable {{}}", text, re.M)
    if ident and kind == "union" and not re.search(r"\b(?:var|let) id\b", text):
        model.identifiable_without_id = text[:ident.start()].count("\n") + 1
    return model


@dataclass
class Client:
    label: str
    lang: str
    root: Path
    models: dict[str, Model] = field(default_factory=dict)
    apis: list[Path] = field(default_factory=list)
    children: dict[str, list[str]] = field(default_factory=dict)  # parent -> subclasses
    polymorphic_adapter: bool = False  # moshi: a PolymorphicJsonAdapterFactory is registered

    @classmethod
    def load(cls, label: str, lang: str, root: Path) -> "Client":
        c = cls(label, lang, root)
        if lang == "kotlin":
            files, c.apis = list(root.glob("src/main/kotlin/**/models/*.kt")), list(root.glob("src/main/kotlin/**/apis/*.kt"))
            parse = parse_kotlin_model
            c.polymorphic_adapter = any("PolymorphicJsonAdapterFactory" in p.read_text()
                                        for p in root.glob("src/main/kotlin/**/infrastructure/*.kt"))
        else:
            files, c.apis = list(root.glob("Sources/**/Models/*.swift")), list(root.glob("Sources/**/APIs/*.swift"))
            parse = parse_swift_model
        for f in files:
            m = parse(f)
            if m:
                c.models[m.name] = m
        for m in c.models.values():
            if m.parent:
                c.children.setdefault(m.parent, []).append(m.name)
        if not c.models:
            raise SystemExit(f"inspect: no {lang} models under {root}")
        return c

    def model_names_in(self, typ: str) -> list[str]:
        return [t for t in re.findall(r"\b[A-Z]\w*\b", typ) if t in self.models]

    def is_enum_type(self, typ: str, owner: Model | None, api_text: str = "") -> bool:
        t = typ.rstrip("?").strip()
        if "." in t and not t.startswith(("kotlin.", "java.")):
            outer, inner = t.rsplit(".", 1)
            m = self.models.get(outer)
            return bool(m and inner in m.nested_enums)
        if owner and t in owner.nested_enums:
            return True
        if api_text and re.search(rf"\benum (class )?{re.escape(t)}\b", api_text):
            return True
        m = self.models.get(t)
        return bool(m and (m.kind == "enum" or (m.kind == "alias" and self.is_enum_type(m.props[0].type, None))))


def item_type(lang: str, typ: str) -> str | None:
    t = typ.rstrip("?").strip()
    m = re.match(r"^(?:kotlin\.collections\.)?(?:List|Set|Array)<(.+)>$", t) if lang == "kotlin" else re.match(r"^\[(.+)\]$", t)
    return m.group(1).strip() if m else None


# ---- the checks ------------------------------------------------------------------------------
class Inspector:
    def __init__(self, spec: dict, clients: list[Client]):
        self.spec = spec
        self.schemas = spec.get("components", {}).get("schemas", {})
        self.clients = clients
        self.failures: list[str] = []
        self.checked = 0
        self.deep_done: set[tuple[str, str]] = set()  # (client, model): each model is checked once

    def fail(self, client: Client, subject: str, msg: str) -> None:
        self.failures.append(f"FAIL [{client.label}] {subject}: {msg}")

    def union_members(self, schema_name: str) -> list[dict]:
        s = self.schemas.get(schema_name, {})
        members = s.get("oneOf") or s.get("anyOf") or []
        return [m for m in members if m.get("type") != "null"]

    def spec_name(self, generated: str) -> str | None:
        return next((n for n in self.schemas if camel(n, True) == generated), None)

    def run(self) -> None:
        for c in self.clients:
            for schema, want in MODELS.items():
                if schema not in self.schemas:
                    self.failures.append(f"FAIL [spec] {schema}: not in components.schemas (update MODELS)")
                    continue
                gen = camel(schema, True)
                model = c.models.get(gen)
                if model is None:
                    self.fail(c, schema, f"no generated model {gen}")
                    continue
                if want.get("deep"):
                    self.check_deep(c, model)
                for prop in want.get("enums", []):
                    self.check_enum_prop(c, model, prop, items=False)
                for prop in want.get("enum_items", []):
                    self.check_enum_prop(c, model, prop, items=True)
            self.check_params(c)

    # every model reachable from a root: typed, and unions as unions
    def check_deep(self, c: Client, root: Model) -> None:
        todo: list[tuple[str, str]] = [(root.name, root.name)]
        while todo:  # breadth first: messages name the shortest path
            name, path = todo.pop(0)
            if (c.label, name) in self.deep_done:
                continue
            self.deep_done.add((c.label, name))
            m = c.models[name]
            self.checked += 1
            subject = path if path == name else f"{name} (via {path})"
            self.check_union_shape(c, m, subject)
            for p in m.props:
                if UNTYPED[c.lang].search(p.type):
                    self.fail(c, subject, f"property `{p.json}` is untyped: `{p.type}` ({m.where(p.line)})")
                for ref in c.model_names_in(p.type):
                    todo.append((ref, f"{path}.{p.json}"))
            for v in m.variants + c.children.get(m.name, []):
                for ref in c.model_names_in(v):
                    todo.append((ref, f"{path}|{ref}"))

    def check_union_shape(self, c: Client, m: Model, subject: str) -> None:
        spec_name = self.spec_name(m.name)
        members = self.union_members(spec_name) if spec_name else []
        schema = self.schemas.get(spec_name, {}) if spec_name else {}
        disc = schema.get("discriminator") or {}
        if len(members) >= 2 and m.kind == "class" and len(m.props) <= 1:
            self.fail(c, subject, f"the oneOf of {len(members)} schemas is generated as a plain class "
                      f"({', '.join(f'{p.name}: {p.type}' for p in m.props) or 'no properties'}), not as a "
                      + ("sealed class/interface" if c.lang == "kotlin" else "enum with associated values")
                      + f" ({m.where()})")
            return
        if len(members) >= 2 and m.kind == "class":
            names = [p.json for p in m.props]
            nullable = sum(1 for p in m.props if p.type.endswith("?"))
            what = "data class" if c.lang == "kotlin" else "struct"
            self.fail(c, subject, f"the oneOf of {len(members)} schemas "
                      f"({', '.join(x.get('$ref', '?').rsplit('/', 1)[-1] for x in members)}) is merged into one "
                      f"{what} with {len(names)} properties ({nullable} nullable): {', '.join(names[:8])}"
                      f"{', ...' if len(names) > 8 else ''} ({m.where()}); want a "
                      + ("sealed class/interface" if c.lang == "kotlin" else "enum with associated values"))
            return
        if m.identifiable_without_id:
            self.fail(c, subject, f"`extension {m.name}: Identifiable {{}}` on an enum with associated values that has "
                      f"no `id`: does not compile (set `x-swift-identifiable: false` on the schema, or generate with "
                      f"identifiableModels=false) ({m.where(m.identifiable_without_id)})")
        if disc and m.kind == "class":
            own = ", ".join(p.json for p in m.props)
            self.fail(c, subject, f"has a discriminator (`{disc.get('propertyName')}`) but is generated as a plain "
                      f"{'data class' if c.lang == 'kotlin' else 'struct'} of its own properties ({own}): the "
                      f"variants and their properties are lost ({m.where()})")
        if m.kind == "interface" and not c.children.get(m.name):
            self.fail(c, subject, f"interface {m.name} has no implementing classes: nothing can be decoded into it ({m.where()})")
        if m.kind == "interface" and c.children.get(m.name) and not c.polymorphic_adapter:
            self.fail(c, subject, f"interface {m.name} (implemented by {', '.join(sorted(c.children[m.name]))}) has no "
                      f"polymorphic JSON adapter in the generated Serializer (moshi cannot decode an interface) ({m.where()})")
        if m.kind == "union" and not m.variants and not c.children.get(m.name):
            props = ", ".join(f"{p.json}: {p.type}" for p in m.props)
            self.fail(c, subject, f"sealed {m.name} has no subclasses: nothing can be decoded into it"
                      + (f"; its abstract properties are one variant's ({props})" if props else "") + f" ({m.where()})")
        kids = [c.models[k] for k in c.children.get(m.name, [])]
        for kid in kids:  # overrides must match the parent's property types
            own = {p.json: p for p in kid.props}
            declared = {p.json for p in m.props}
            for k in kid.props:
                if k.override and k.json not in declared:
                    self.fail(c, subject, f"{kid.name}.{k.json} overrides nothing in {m.name}: does not compile "
                              f"({kid.where(k.line)})")
            for p in m.props:
                k = own.get(p.json)
                if k is None:
                    continue
                if k.type != p.type:
                    self.fail(c, subject, f"{kid.name}.{p.json} is `{k.type}` but {m.name} declares `{p.type}`: "
                              f"does not compile ({kid.where(k.line)})")
                elif not k.override:
                    self.fail(c, subject, f"{kid.name}.{p.json} does not override {m.name}.{p.json} ({kid.where(k.line)})")
        values = set(disc.get("mapping", {})) or self.enum_values(schema, disc.get("propertyName"))
        if m.discriminator and kids and not m.variants:  # kotlinx @JsonClassDiscriminator: one @SerialName per class
            carried = {v for kid in kids for v in kid.serial_names}
            missing = sorted(values - carried)
            if missing:
                self.fail(c, subject, f"discriminator `{m.discriminator}` values {', '.join(missing)} are carried by no "
                          f"subclass's @SerialName (kotlinx maps one value per class): they do not decode ({m.where()})")
            for kid in kids:
                if any(p.json == m.discriminator for p in kid.props):
                    self.fail(c, subject, f"{kid.name} declares the class discriminator `{m.discriminator}` as a "
                              f"property: kotlinx rejects it at run time ({kid.where()})")
        elif m.kind == "union" and m.variants and m.discriminator and values:  # Swift, Kotlin wrappers: a switch on the value
            missing = sorted(values - m.handled)
            if missing:
                self.fail(c, subject, f"discriminator `{m.discriminator}` values {', '.join(missing)} are not "
                          f"decoded ({m.where()})")

    def enum_values(self, schema: dict, prop: str | None) -> set[str]:
        if not prop:
            return set()
        p = (schema.get("properties") or {}).get(prop) or {}
        if "$ref" in p:
            p = self.schemas.get(p["$ref"].rsplit("/", 1)[-1], {})
        return set(p.get("enum") or [])

    def variants_of(self, c: Client, m: Model) -> list[Model]:
        if m.kind in ("union", "interface"):
            out = [c.models[k] for k in c.children.get(m.name, [])]
            for v in m.variants:
                out += [c.models[r] for r in c.model_names_in(v) if c.models[r] not in out]
            return out
        return [m]

    def check_enum_prop(self, c: Client, model: Model, prop: str, items: bool) -> None:
        self.checked += 1
        targets = self.variants_of(c, model)
        if not targets:
            return  # reported by the union checks
        for m in targets:
            p = next((p for p in m.props if p.json == prop), None)
            subject = model.name if m is model else f"{model.name}|{m.name}"
            if p is None:
                if m.parent == model.name and model.discriminator == prop:
                    continue  # kotlinx: the class discriminator, carried by the subclass itself
                parent = c.models.get(m.parent or "")
                if parent and any(q.json == prop for q in parent.props):
                    continue  # inherited, checked on the parent
                self.fail(c, subject, f"has no property `{prop}` ({m.where()})")
                continue
            typ = item_type(c.lang, p.type) if items else p.type
            if items and typ is None:
                self.fail(c, subject, f"`{prop}` is `{p.type}`, not a list ({m.where(p.line)})")
            elif not c.is_enum_type(typ, m):
                self.fail(c, subject, f"`{prop}`{' items are' if items else ' is'} `{typ}`, not an enum ({m.where(p.line)})")

    def check_params(self, c: Client) -> None:
        api_texts = {p: p.read_text() for p in c.apis}
        for path, ops in self.spec.get("paths", {}).items():
            for method, op in ops.items():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                for prm in op.get("parameters", []):
                    want = QUERY_PARAMS.get(prm.get("name"))
                    if not want or prm.get("in") != "query":
                        continue
                    self.checked += 1
                    fn, arg = camel(op["operationId"], False), camel(prm["name"], False)
                    subject = f"{method.upper()} {path} ?{prm['name']} ({fn})"
                    pat = (rf"^\s*fun {fn}\((.*)\)\s*:" if c.lang == "kotlin"
                           else rf"^\s*open class func {fn}\((.*)\)\s*async")
                    hit = None
                    for f, text in api_texts.items():
                        m = re.search(pat, text, re.M)
                        if m:
                            hit = (f, text, m)
                            break
                    if hit is None:
                        self.fail(c, subject, f"no generated function {fn}")
                        continue
                    f, text, m = hit
                    am = re.search(rf"(?:^|,\s*){arg}: ([^=,]+(?:<[^>]*>)?[^=,]*)", m.group(1))
                    if am is None:
                        self.fail(c, subject, f"{fn} has no parameter {arg}")
                        continue
                    typ = am.group(1).strip()
                    line = text[:m.start()].count("\n") + 1
                    if want == "enum list":
                        it = item_type(c.lang, typ)
                        if it is None or not c.is_enum_type(it, None, text):
                            self.fail(c, subject, f"`{arg}` is `{typ}`, want a list of enum values ({f.name}:{line})")
                    elif not c.is_enum_type(typ, None, text):
                        self.fail(c, subject, f"`{arg}` is `{typ}`, want an enum ({f.name}:{line})")


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[1]).read_text())
    clients = []
    for arg in argv[2:]:
        label, lang, root = arg.split(":", 2)
        if lang not in ("kotlin", "swift"):
            raise SystemExit(f"inspect: unknown language {lang!r} in {arg!r}")
        clients.append(Client.load(label, lang, Path(root)))
    ins = Inspector(spec, clients)
    ins.run()
    for f in ins.failures:
        print(f)
    labels = ", ".join(c.label for c in clients)
    if ins.failures:
        print(f"inspect: {len(ins.failures)} failure(s) in {labels}")
        return 1
    print(f"inspect: {ins.checked} checks passed in {labels}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
