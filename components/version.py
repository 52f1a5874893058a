"""The release of this project: the one place its version is written (CHANGELOG.md's newest entry and
docs/upgrading.md follow it; tests/unit/test_release.py checks both). Semantic versioning: a change that needs
a step in docs/upgrading.md (a state migration, a renamed module of a dynamic provider) raises the major."""

VERSION = "1.0.0"
