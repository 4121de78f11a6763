from __future__ import annotations

from tests.fakes.microsoft import fake_microsoft, microsoft_ca

__all__ = ["fake_microsoft", "microsoft_ca"]
