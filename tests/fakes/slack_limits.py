"""Slack's published size limits on a message, as the fake Slack enforces them.

chat.postMessage answers a message over them with `{"ok": false, "error": "invalid_blocks",
"errors": [...]}` (200), or `msg_too_long` for a `text` over 40,000 characters; a response_url
answers HTTP 400 with the body `invalid_blocks`, as Slack does.

Limits (api.slack.com, Block Kit reference): 50 blocks a message; a text object 3000
characters; a header's plain_text 150; a context block 10 elements; an actions block 25
elements; a button's text 75, value 2000, url 3000; an action_id or block_id 255. A Home tab
view (views.publish) takes 100 blocks; Slack answers a bad one `invalid_arguments`.
"""

from __future__ import annotations

from typing import Any

MAX_TEXT = 40_000
MAX_BLOCKS = 50
HOME_MAX_BLOCKS = 100
TEXT_OBJECT_MAX = 3000
HEADER_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
BUTTON_URL_MAX = 3000
ID_MAX = 255


def _text(obj: Any, limit: int, where: str, errors: list[str]) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        errors.append(f"must be a text object [json-pointer:{where}]")
    elif not obj["text"]:
        errors.append(f"must be more than 0 characters [json-pointer:{where}/text]")
    elif len(obj["text"]) > limit:
        errors.append(f"must be less than {limit + 1} characters [json-pointer:{where}/text]")


def _button(element: dict[str, Any], where: str, errors: list[str]) -> None:
    _text(element.get("text"), BUTTON_TEXT_MAX, f"{where}/text", errors)
    for key, limit in (("value", BUTTON_VALUE_MAX), ("url", BUTTON_URL_MAX),
                       ("action_id", ID_MAX)):
        if len(str(element.get(key, ""))) > limit:
            errors.append(f"must be less than {limit + 1} characters "
                          f"[json-pointer:{where}/{key}]")


def block_errors(blocks: Any, max_blocks: int = MAX_BLOCKS) -> list[str]:
    """Slack's complaints about `blocks` (empty when Slack would accept them); a Home tab view
    takes HOME_MAX_BLOCKS."""
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"no more than {max_blocks} items allowed [json-pointer:/blocks]")
    for n, block in enumerate(blocks):
        where = f"/blocks/{n}"
        kind = block.get("type") if isinstance(block, dict) else None
        if len(str(block.get("block_id", ""))) > ID_MAX if isinstance(block, dict) else False:
            errors.append(f"must be less than {ID_MAX + 1} characters "
                          f"[json-pointer:{where}/block_id]")
        if kind == "header":
            _text(block.get("text"), HEADER_MAX, f"{where}/text", errors)
        elif kind == "section":
            _text(block.get("text"), TEXT_OBJECT_MAX, f"{where}/text", errors)
        elif kind == "context":
            elements = block.get("elements") or []
            if len(elements) > CONTEXT_ELEMENTS_MAX:
                errors.append(f"no more than {CONTEXT_ELEMENTS_MAX} items allowed "
                              f"[json-pointer:{where}/elements]")
            for k, element in enumerate(elements):
                _text(element, TEXT_OBJECT_MAX, f"{where}/elements/{k}", errors)
        elif kind == "actions":
            elements = block.get("elements") or []
            if len(elements) > ACTIONS_ELEMENTS_MAX:
                errors.append(f"no more than {ACTIONS_ELEMENTS_MAX} items allowed "
                              f"[json-pointer:{where}/elements]")
            for k, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") == "button":
                    _button(element, f"{where}/elements/{k}", errors)
        elif kind not in ("divider", "image", "rich_text", "input", "file", "video"):
            errors.append(f"unsupported type [json-pointer:{where}/type]")
    return errors


def message_error(params: dict[str, Any]) -> dict[str, Any] | None:
    """chat.postMessage's / chat.postEphemeral's answer to a message over the limits, or None."""
    if len(str(params.get("text") or "")) > MAX_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    errors = block_errors(params.get("blocks"))
    if errors:
        return {"ok": False, "error": "invalid_blocks", "errors": errors,
                "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]}}
    return None


def view_error(params: dict[str, Any]) -> dict[str, Any] | None:
    """views.publish's answer to a Home tab view over the limits, or None."""
    view = params.get("view")
    errors = block_errors(view.get("blocks") if isinstance(view, dict) else None,
                          HOME_MAX_BLOCKS)
    if errors:
        return {"ok": False, "error": "invalid_arguments",
                "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]}}
    return None
