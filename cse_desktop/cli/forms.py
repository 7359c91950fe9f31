"""The practice forms: check, describe and score them; print a scored form's rule sheet."""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from cse_desktop.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    Commands,
    Secrets,
    command,
    group,
    read_json_file,
)
from cse_desktop.domain.errors import CseError, UsageError, ValidationFailed
from cse_desktop.domain.ids import new_id
from cse_desktop.forms.engine import FormContext, FormEngine
from cse_desktop.forms.loader import FormLoadError, FormRegistry
from cse_desktop.forms.samples import check_samples
from cse_desktop.forms.spec import (
    ROUTING_STATUSES,
    FieldSpec,
    FormSpec,
    IndicatorField,
    Level,
    RepeatField,
)
from cse_desktop.store.repositories import plain_errors

#: the levels a Risk Management Meeting may have agreed (the context's rmm_level)
RMM_LEVELS = tuple(level.value for level in Level)


class ScoreContext(BaseModel):
    """The --context file of `forms score`: what the child's record would say."""

    model_config = ConfigDict(extra="forbid")
    age: int | None = Field(default=None, ge=0, le=30)
    sen: bool = False
    missing_episodes_30d: int = Field(default=0, ge=0, le=1000)
    missing_overnight: bool = False
    #: the legal status as the screening's routes see it; unset: none
    legal_status: str | None = None
    #: the level agreed at the child's last Risk Management Meeting, if any
    rmm_level: str | None = None

    @field_validator("legal_status", "rmm_level", mode="before")
    @classmethod
    def _one_of(cls, value: object, info: ValidationInfo) -> object:
        allowed = ROUTING_STATUSES if info.field_name == "legal_status" else RMM_LEVELS
        if value is not None and value not in allowed:
            raise ValueError("must be one of: " + ", ".join(allowed))
        return value


def _registry(folder: str | None = None) -> FormRegistry:
    try:
        return FormRegistry.load(Path(folder) if folder else None)
    except FormLoadError as exc:
        raise CseError("The form files have problems (run 'cse-desktop forms check'): "
                       + str(exc.problems[0])) from None


def cmd_forms_check(args: argparse.Namespace, secrets: Secrets) -> int:
    folder = Path(args.dir) if args.dir else None
    try:
        registry = FormRegistry.load(folder)
    except FormLoadError as exc:
        for problem in exc.problems:
            print(problem)
        return EXIT_ERROR
    problems = check_samples(FormEngine(registry), folder)
    for problem in problems:
        print(problem)
    if problems:
        return EXIT_ERROR
    for form_id in registry.ids():
        versions = ", ".join(f"v{v}" for v in registry.versions(form_id))
        print(f"{form_id}: {versions} ok")
    return EXIT_OK


def _describe_field(f: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"id": f.id, "type": f.type, "label": f.label,
                           "required": f.required, "group": None, "tier": None}
    if isinstance(f, IndicatorField):
        out["group"], out["tier"] = f.group, f.tier.value
        out["modules"] = list(f.modules)
        out["present"] = ["yes", "no", "possible"] if f.allow_possible else ["yes", "no"]
        out["asks_timing"] = f.asks_timing
        out["timings"] = [t.value for t in f.timing_values]
    if isinstance(f, RepeatField):
        out["fields"] = [_describe_field(sub) for sub in f.fields]
    return out


def _form(args: argparse.Namespace, registry: FormRegistry | None = None) -> FormSpec:
    registry = registry or _registry()
    try:
        return registry.get(args.form, args.version)
    except KeyError:
        known = ", ".join(registry.ids())
        version = f" version {args.version}" if args.version else ""
        raise UsageError(f"There is no form '{args.form}'{version} (forms: {known}).") from None


def cmd_forms_describe(args: argparse.Namespace, secrets: Secrets) -> int:
    spec = _form(args)
    fields = [_describe_field(f) for f in spec.all_fields()]
    if args.json:
        print(json.dumps(fields, ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"{spec.title} ({spec.id} v{spec.version})")
    for f in fields:
        timing = ""
        if f["tier"]:
            timing = f"; timing: {', '.join(f['timings'])}" if f["asks_timing"] \
                else "; no timing"
        extra = f"  [{f['group']} / {f['tier']}{timing}]" if f["tier"] else ""
        print(f"  {f['id']:<40} {f['type']:<16} {'*' if f['required'] else ' '} "
              f"{f['label']}{extra}")
    return EXIT_OK


def cmd_forms_score(args: argparse.Namespace, secrets: Secrets) -> int:
    spec = _form(args)
    engine = FormEngine(_registry())
    answers = read_json_file(args.answers, "answers")
    if not isinstance(answers, dict):
        raise UsageError("The answers file must hold a JSON object of {field_id: value}.")
    ctx = FormContext()
    if args.context:
        raw = read_json_file(args.context, "context")
        if not isinstance(raw, dict):
            raise UsageError('The context file must hold a JSON object such as {"age": 14, '
                             '"sen": false, "missing_episodes_30d": 0, '
                             '"missing_overnight": false, "legal_status": "none", '
                             '"rmm_level": null}.')
        try:
            ctx = FormContext(**ScoreContext.model_validate(raw).model_dump())
        except ValidationError as exc:
            raise UsageError(f"The context file is not right: {plain_errors(exc)}.") from None
    draft = engine.start(spec.id, new_id(), version=spec.version,
                         episode_id=new_id() if spec.needs_episode else None)
    try:
        draft = engine.set_answers(draft, answers)
    except ValidationFailed as exc:
        raise UsageError(f"The answers file is not right: {exc.message}") from None
    outcome = engine.outcome(draft, ctx)
    result = {"total": outcome.get("total"), "suggested_level": outcome.get("suggested_level"),
              "rules_fired": outcome.get("rules_fired", []),
              "pathway": outcome.get("pathway"), **outcome}
    print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    return EXIT_OK


def cmd_forms_rules(args: argparse.Namespace, secrets: Secrets) -> int:
    from cse_desktop.reports.output import write_pdf
    from cse_desktop.reports.page import PrintMeta
    from cse_desktop.reports.rulesheet import build_rulesheet, read_form_source

    registry = _registry()
    spec = _form(args, registry)
    if spec.scoring is None:
        scored = ", ".join(i for i in registry.ids() if registry.get(i).scoring is not None)
        raise UsageError(f"The form '{spec.id}' version {spec.version} has no scoring rule to "
                         f"print (forms with one: {scored or 'none'}).")
    assert registry.root is not None
    path = registry.root / spec.id / f"v{spec.version}.yaml"
    try:
        source = read_form_source(path, str(path.relative_to(registry.root.parent)))
    except (OSError, UnicodeDecodeError, FormLoadError):
        source = None
    if source is None or source.spec != spec:
        raise CseError(f"The form file {path} changed while it was being read; print the rule "
                       "sheet again (and run 'cse-desktop forms check').")
    try:
        printed_by = getpass.getuser()
    except (KeyError, OSError):
        printed_by = "unknown user"
    meta = PrintMeta(title=f"Rule sheet: {spec.title} v{spec.version}", printed_by=printed_by,
                     printed_at=datetime.now(UTC), marking=args.marking)
    pdf = build_rulesheet(source, meta)
    write_pdf(pdf, args.out)
    print(f"Rule sheet for {spec.id} v{spec.version} saved to {args.out} "
          f"({len(pdf) // 1024 + 1} KB); form file {source.file_name}, sha256 {source.sha256}")
    return EXIT_OK


def cmd_forms_schema(args: argparse.Namespace, secrets: Secrets) -> int:
    print(json.dumps(FormSpec.model_json_schema(), indent=1))
    return EXIT_OK



def _form_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--form", required=True, metavar="ID")
    p.add_argument("--version", type=int, metavar="N", help="default: the latest")


def add_commands(sub: Commands) -> None:
    """forms check, describe, score, rules and schema."""
    forms = group(sub, "forms", "check, describe and score the practice forms; print a scored "
                  "form's rule sheet", "forms_command")
    p = command(forms, "check", cmd_forms_check, "check every form file; one line per problem")
    p.add_argument("dir", nargs="?", help="the forms folder (default: the built-in forms)")
    p = command(forms, "describe", cmd_forms_describe, "list a form's fields")
    _form_options(p)
    p.add_argument("--json", action="store_true")
    p = command(forms, "score", cmd_forms_score, "score answers with a form's rules")
    _form_options(p)
    p.add_argument("--answers", required=True, metavar="FILE", help="JSON {field_id: value}")
    p.add_argument("--context", metavar="FILE",
                   help='JSON {"age", "sen", "missing_episodes_30d", "missing_overnight", '
                        '"legal_status", "rmm_level"}')
    p = command(forms, "rules", cmd_forms_rules, "print a scored form's whole rule as a PDF "
                "rule sheet to read and sign off")
    _form_options(p)
    p.add_argument("--out", required=True, metavar="FILE", help="the PDF to write")
    p.add_argument("--marking", default="OFFICIAL",
                   help="the protective marking at the top and bottom of every page (default "
                        "OFFICIAL: the sheet holds no personal data)")
    command(forms, "schema", cmd_forms_schema, "print the JSON Schema of form files")
