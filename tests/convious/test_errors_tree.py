"""convious._errors holds every Convious error class, and its docstring draws the true tree."""

from __future__ import annotations

import inspect
import re

import convious
import convious._errors as errors_module
from convious import SDKError

NODE = re.compile(r"^( *(?:[│ ]   )*)(?:├── |└── )(\w+)")


def drawn_tree() -> dict[str, str]:
    """Each class drawn in the docstring, with the class it is drawn under."""
    doc = errors_module.__doc__ or ""
    parents: dict[str, str] = {}
    path: list[str] = []
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped == "SDKError" or stripped.startswith("SDKError "):
            path = ["SDKError"]
            continue
        match = NODE.match(line)
        if match and path:
            level = len(match.group(1)) // 4  # the docstring indents the tree by 4
            del path[level:]
            parents[match.group(2)] = path[-1]
            path.append(match.group(2))
    return parents


def convious_error_classes() -> dict[str, type[BaseException]]:
    """Every SDKError subclass the convious package itself defines."""
    return {
        name: value
        for name in convious.__all__
        if inspect.isclass(value := getattr(convious, name))
        and issubclass(value, SDKError)
        and value.__module__.startswith("convious")
    }


def test_every_convious_error_class_lives_in_the_errors_module():
    classes = convious_error_classes()
    assert len(classes) == 9
    assert {cls.__module__ for cls in classes.values()} == {"convious._errors"}
    defined = {
        name
        for name, value in vars(errors_module).items()
        if inspect.isclass(value)
        and issubclass(value, SDKError)
        and value.__module__ == "convious._errors"
    }
    assert defined == set(classes)


def test_the_docstring_draws_every_class_under_its_real_base():
    parents = drawn_tree()
    for name, cls in convious_error_classes().items():
        assert name in parents, f"{name} is not drawn"
        assert cls.__bases__ == (getattr(convious, parents[name]),), name
    for name, parent in parents.items():  # the core classes drawn are real and placed right
        assert issubclass(getattr(convious, name), getattr(convious, parent)), name


def test_every_exported_sdk_error_is_named_in_the_tree():
    doc = errors_module.__doc__ or ""
    exported = {
        name
        for name in convious.__all__
        if inspect.isclass(value := getattr(convious, name)) and issubclass(value, SDKError)
    }
    assert {name for name in exported if not re.search(rf"\b{name}\b", doc)} == set()
