"""litellm_config: YAML -> located nodes, includes, env references, and bad input as located UserErrors."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmgw_migrate.config.read import YList, YMap, env_ref, load_config, parse_yaml
from llmgw_migrate.errors import UserError
from tests.config.helpers import write


def test_every_node_knows_line_and_column(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """\
            model_list:
              - model_name: a
                litellm_params:
                  model: openai/gpt-4o
            """,
        )
    )
    dep = cfg.deployments[0]
    assert (dep.loc.line, dep.loc.column) == (2, 5)
    assert (dep.model_loc.line, dep.model_loc.column) == (4, 14)
    assert (dep.name_loc.line, dep.name_loc.column) == (2, 17)
    assert dep.params.key_loc("model").column == 7


def test_scalars_follow_litellm_yaml_dialect() -> None:
    data = parse_yaml("a: 80_000\nb: yes\nc: 2024-02-01\nd: '1'\ne: ~\nf: 0.5\n", "x.yaml")
    assert data == {"a": 80000, "b": True, "c": "2024-02-01", "d": "1", "e": None, "f": 0.5}


def test_anchors_and_merge_keys() -> None:
    data = parse_yaml(
        "base: &b {api_key: os.environ/K, timeout: 5}\nm:\n  <<: *b\n  timeout: 9\nl: [*b]\n",
        "x.yaml",
    )
    assert data["m"] == {"api_key": "os.environ/K", "timeout": 9}
    assert isinstance(data["l"], YList) and isinstance(data["l"][0], YMap)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("os.environ/OPENAI_API_KEY", "OPENAI_API_KEY"),
        ("sk-123", None),
        ("xos.environ/A", None),
        (5, None),
        ("os.environ/", None),
    ],
)
def test_env_ref(value: object, expected: str | None) -> None:
    assert env_ref(value) == expected


def test_quoted_and_bare_env_refs(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """\
            model_list:
              - model_name: a
                litellm_params: {model: openai/gpt-4o, api_key: "os.environ/A"}
              - model_name: b
                litellm_params: {model: openai/gpt-4o, api_key: os.environ/B}
            """,
        )
    )
    assert [env_ref(d.params["api_key"]) for d in cfg.deployments] == ["A", "B"]


def test_include_appends_lists_overwrites_rest_and_keeps_positions(tmp_path: Path) -> None:
    write(
        tmp_path,
        """\
        model_list:
          - model_name: inc
            litellm_params: {model: openai/gpt-4o}
        litellm_settings: {num_retries: 3}
        """,
        "sub/extra.yaml",
    )
    main = write(
        tmp_path,
        """\
        include: [sub/extra.yaml]
        model_list:
          - model_name: main
            litellm_params: {model: openai/gpt-4o}
        litellm_settings: {num_retries: 1, request_timeout: 5}
        """,
    )
    cfg = load_config(main)
    assert [d.model_name for d in cfg.deployments] == ["main", "inc"]
    assert cfg.deployments[1].file.endswith("sub/extra.yaml")
    assert cfg.deployments[1].loc.line == 2
    assert dict(cfg.litellm_settings or {}) == {"num_retries": 3}
    assert len(cfg.files) == 2
    [(new, key, replaced)] = cfg.include_overrides
    assert (key, new.file.endswith("extra.yaml"), new.line, replaced.line) == ("litellm_settings", True, 4, 5)


def test_nested_include_relative_to_including_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        "model_list:\n  - {model_name: deep, litellm_params: {model: openai/gpt-4o}}\n",
        "a/b/deep.yaml",
    )
    write(tmp_path, "include: [b/deep.yaml]\n", "a/mid.yaml")
    cfg = load_config(write(tmp_path, "include: [a/mid.yaml]\n"))
    assert [d.model_name for d in cfg.deployments] == ["deep"]


def _err(tmp_path: Path, text: str, name: str = "config.yaml") -> UserError:
    with pytest.raises(UserError) as info:
        load_config(write(tmp_path, text, name))
    return info.value


def test_cyclic_include(tmp_path: Path) -> None:
    write(tmp_path, "include: [config.yaml]\n", "other.yaml")
    err = _err(tmp_path, "model_list: []\ninclude:\n  - other.yaml\n")
    assert "cyclic include" in err.message
    assert err.file is not None and err.file.endswith("other.yaml") and err.line == 1


def test_missing_include(tmp_path: Path) -> None:
    err = _err(tmp_path, "include:\n  - nope.yaml\n")
    assert (err.line, err.column, err.message) == (2, 5, "included file not found: nope.yaml")


@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        ("model_list: {a: 1}\n", 1, 13, "`model_list` must be a list"),
        ("model_list:\n  - just-a-string\n", 2, 5, "must be a mapping"),
        ("model_list:\n  - model_name: x\n", 2, 5, "has no litellm_params"),
        (
            "model_list:\n  - model_name: x\n    litellm_params: {api_key: k}\n",
            3,
            21,
            "has no litellm_params.model",
        ),
        ("model_list:\n  - model_name: x\n    litellm_params: {model: 5}\n", 3, 29, "must be a string"),
        ("model_list:\n  - litellm_params: {model: openai/x}\n", 2, 5, "has no model_name"),
        ("litellm_settings: [1, 2]\n", 1, 19, "`litellm_settings` must be a mapping"),
        ("- a\n- b\n", 1, 1, "must be a mapping of sections"),
        ("a: [1, 2\n", 2, 1, "invalid YAML"),
        ("# only a comment\n", 1, 1, "empty config"),
        # an anchor used inside itself (PyYAML builds a structure that contains itself): no RecursionError
        ("general_settings: &g\n  master_key: os.environ/K\n  loop: *g\n", 3, 3, "recursive YAML alias"),
        ("l: &l\n  - 1\n  - *l\n", 1, 4, "recursive YAML alias"),
        ("a: &a\n  <<: *a\n  x: 1\n", 2, 3, "recursive YAML alias"),
    ],
)
def test_bad_input_is_located(tmp_path: Path, text: str, line: int, col: int, fragment: str) -> None:
    err = _err(tmp_path, text)
    assert fragment in err.message
    assert (err.line, err.column) == (line, col)


def test_empty_binary_and_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(UserError, match="empty file"):
        load_config(tmp_path / "empty.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"model_list:\n  \x00\x01")
    with pytest.raises(UserError) as info:
        load_config(tmp_path / "bin.yaml")
    assert (info.value.line, info.value.column) == (2, 3)
    (tmp_path / "latin.yaml").write_bytes(b"a: caf\xe9\n")
    with pytest.raises(UserError, match="not UTF-8"):
        load_config(tmp_path / "latin.yaml")
    with pytest.raises(UserError, match="directory"):
        load_config(tmp_path)
    with pytest.raises(UserError, match="not found"):
        load_config(tmp_path / "missing.yaml")


def test_duplicate_keys_are_reported_not_dropped(tmp_path: Path) -> None:
    from llmgw_migrate.config.plan_build import convert_file

    path = write(
        tmp_path,
        """\
        litellm_settings:
          num_retries: 1
          num_retries: 3
        """,
    )
    cfg = load_config(path)
    assert cfg.litellm_settings == {"num_retries": 3}
    [(loc, key, first)] = cfg.duplicate_keys
    assert (key, loc.line, first.line) == ("num_retries", 3, 2)
    plan = convert_file(path)
    assert any(
        f.code == "LGM125" and "duplicate key `num_retries`" in f.message and f.line == 3
        for f in plan.findings
    )


def test_merge_key_overrides_are_not_duplicates() -> None:
    dups: list = []
    data = parse_yaml(
        "base: &b {timeout: 5, rpm: 1}\nm:\n  <<: *b\n  timeout: 9\n  rpm: 2\n  rpm: 3\n", "x.yaml", dups
    )
    assert data["m"] == {"timeout": 9, "rpm": 3}
    assert [(key, loc.line, first.line) for loc, key, first in dups] == [("rpm", 6, 5)]
