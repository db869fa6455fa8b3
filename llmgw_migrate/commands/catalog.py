"""`llmgw-migrate catalog`: the gateway's model catalog (refresh from the live API, show, list, resolve)."""

# ruff: noqa: E501  (help texts stay on one line)

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from llmgw_migrate.commands._common import DEBUG_OPTION, EXIT_OK, handle_errors


def _model_dict(model: Any, today: Any) -> dict[str, Any]:
    return {
        "id": model.id,
        "name": model.name,
        "family": model.family,
        "aliases": list(model.aliases),
        "output": list(model.output),
        "released_at": model.released_at,
        "deprecated_at": model.deprecated_at,
        "deactivated_at": model.deactivated_at,
        "deactivated": model.deactivated(today),
        "providers": [
            {
                "provider": p.provider,
                "external_id": p.external_id,
                "gateway_model": f"{p.provider}/{model.id}",
                "input_price": p.input_price,
                "output_price": p.output_price,
                "context_size": p.context_size,
                "max_output": p.max_output,
                "streaming": p.streaming,
                "tools": p.tools,
                "vision": p.vision,
                "deprecated_at": p.deprecated_at,
                "deactivated_at": p.deactivated_at,
            }
            for p in model.providers
        ],
    }


def register(app: typer.Typer) -> None:
    catalog_app = typer.Typer(
        help="The LLM Gateway model catalog: bundled snapshot, or the live list after `catalog refresh`.",
        no_args_is_help=True,
    )
    app.add_typer(catalog_app, name="catalog")

    @catalog_app.command("refresh")
    def refresh(
        url: str = typer.Option(
            "https://api.llmgateway.io/v1/models", "--url", help="The gateway's /v1/models URL."
        ),
        timeout: float = typer.Option(30.0, "--timeout", help="Seconds to wait for the answer."),
        debug: bool = DEBUG_OPTION,
    ) -> None:
        """Fetch the live catalog into the user cache (it then wins over the bundled snapshot)."""
        with handle_errors(debug):
            import httpx

            from llmgw_migrate.config import catalog as cat
            from llmgw_migrate.errors import UserError

            try:
                path, count = cat.refresh(url, timeout=timeout)
            except httpx.HTTPStatusError as exc:
                raise UserError(
                    f"catalog refresh failed: {url} answered {exc.response.status_code}"
                ) from None
            except httpx.HTTPError as exc:
                raise UserError(
                    f"catalog refresh failed: cannot reach {url}: {type(exc).__name__}: {exc}"
                ) from None
            except (ValueError, KeyError) as exc:
                raise UserError(
                    f"catalog refresh failed: {url} did not answer with a model list ({exc})"
                ) from None
            sys.stdout.write(f"catalog refreshed: {count} models from {url}, cached at {path}\n")
            raise typer.Exit(EXIT_OK)

    @catalog_app.command("show")
    def show(
        model_id: str = typer.Argument(
            ..., metavar="ID", help="A catalog id (gpt-4o), provider/id (openai/gpt-4o) or an upstream name."
        ),
        fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
        debug: bool = DEBUG_OPTION,
    ) -> None:
        """Show one model: providers, upstream names, prices, deprecation dates."""
        with handle_errors(debug):
            import datetime as dt

            from llmgw_migrate.config.catalog import load_catalog
            from llmgw_migrate.errors import UserError

            fmt = fmt.lower()
            if fmt not in ("text", "json"):
                raise UserError(f"--format must be text or json, not {fmt!r}")
            catalog = load_catalog()
            today = dt.date.today()
            provider, _, rest = model_id.partition("/")
            model = catalog.get(model_id)
            if model is None and rest and catalog.provider(provider):
                model = catalog.get(rest) or catalog.resolve(provider, rest)
            if model is None:
                model = catalog.resolve(None, model_id)
            if model is None:
                near = catalog.closest(model_id)
                hint = f"; closest: {', '.join(near)}" if near else "; see `llmgw-migrate catalog list`"
                raise UserError(f"no catalog model {model_id!r}{hint}")
            data = _model_dict(model, today)
            if fmt == "json":
                sys.stdout.write(json.dumps(data, indent=2) + "\n")
                raise typer.Exit(EXIT_OK)
            lines = [f"{model.id} ({model.name}), family {model.family or '-'}"]
            if model.aliases:
                lines.append(f"  aliases: {', '.join(model.aliases)}")
            for key in ("released_at", "deprecated_at", "deactivated_at"):
                if data[key]:
                    lines.append(f"  {key.replace('_at', '')}: {data[key]}")
            if data["deactivated"]:
                succ = catalog.successor(model, today)
                lines.append("  DEACTIVATED" + (f"; successor: {succ}" if succ else ""))
            lines.append("  providers:")
            for p in data["providers"]:
                price = (
                    f"in {p['input_price']} / out {p['output_price']} USD per token"
                    if p["input_price"] is not None
                    else "price n/a"
                )
                dates = "".join(f", {k} {p[k][:10]}" for k in ("deprecated_at", "deactivated_at") if p[k])
                lines.append(
                    f"    {p['gateway_model']:<40} upstream {p['external_id']}; {price}; context {p['context_size'] or '-'}{dates}"
                )
            lines.append(f"  (catalog: {catalog.origin})")
            sys.stdout.write("\n".join(lines) + "\n")
            raise typer.Exit(EXIT_OK)

    @catalog_app.command("list")
    def list_models(
        provider: str | None = typer.Option(
            None, "--provider", "-p", help="Only models this gateway provider serves."
        ),
        search: str | None = typer.Option(
            None, "--search", "-s", help="Only ids or upstream names containing this text."
        ),
        include_deactivated: bool = typer.Option(
            False, "--include-deactivated", help="Also list models already deactivated."
        ),
        fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
        debug: bool = DEBUG_OPTION,
    ) -> None:
        """List catalog models (one line each: id, providers)."""
        with handle_errors(debug):
            import datetime as dt

            from llmgw_migrate.config.catalog import load_catalog
            from llmgw_migrate.errors import UserError

            fmt = fmt.lower()
            if fmt not in ("text", "json"):
                raise UserError(f"--format must be text or json, not {fmt!r}")
            catalog = load_catalog()
            if provider and catalog.provider(provider) is None:
                raise UserError(
                    f"unknown gateway provider {provider!r}; known: {', '.join(sorted(catalog.providers))}"
                )
            today = dt.date.today()
            rows = []
            for model in sorted(catalog.models.values(), key=lambda m: m.id):
                if not include_deactivated and model.deactivated(today):
                    continue
                if provider and model.mapping(provider) is None:
                    continue
                if search:
                    s = search.lower()
                    if s not in model.id.lower() and not any(
                        s in p.external_id.lower() for p in model.providers
                    ):
                        continue
                rows.append(model)
            if fmt == "json":
                sys.stdout.write(json.dumps([_model_dict(m, today) for m in rows], indent=2) + "\n")
            else:
                for m in rows:
                    provs = ", ".join(p.provider for p in m.providers)
                    flag = " (deactivated)" if m.deactivated(today) else ""
                    sys.stdout.write(f"{m.id:<45} {provs}{flag}\n")
                sys.stdout.write(f"{len(rows)} models (catalog: {catalog.origin})\n")
            raise typer.Exit(EXIT_OK)
