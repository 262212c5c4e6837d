"""The federal rating on the wire: ``GET /api/v1/ratings?month=YYYY-MM`` (issue 10).

What a caller receives depends on the role (decided in docs/STATISTICS.md, "Federal rating"):
a federal analyst (or an admin without a region) gets every region's row; anyone bound to a
region gets ONLY their own region's row (its figures and its places) plus the number of
regions ranked and the national figures that the seed posts publish — never another region's
figures, names or existence beyond that count.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

RATINGS_PATH = "/api/v1/ratings"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class RegionRating(BaseModel):
    """One region's figures for its own local month and the month before, and its places.

    Durations are whole minutes as shown (rounded to the minute); ``mean_change_min`` is
    computed from the shown figures (3:41 → 3:03 is −38). Places are "1224" competition
    ranks among the regions that have the figure; ``None`` where a figure is missing.
    """

    model_config = ConfigDict(extra="forbid")

    region_code: str
    region_name: str
    registered: int
    answered: int
    processing_share: float | None
    mean_first_answer_min: int | None
    previous_mean_first_answer_min: int | None
    mean_change_min: int | None
    per_thousand: float | None
    place_processing: int | None = None
    place_mean: int | None = None
    place_change: int | None = None
    place_per_thousand: int | None = None


class RatingsResponse(BaseModel):
    """The rating of one month (each region's own local month)."""

    model_config = ConfigDict(extra="forbid")

    month: str = Field(pattern=MONTH_PATTERN)
    computed_at: datetime
    regions_ranked: int
    national_mean_first_answer_min: int | None
    national_previous_mean_first_answer_min: int | None
    national_mean_change_min: int | None
    whole_table: bool
    rows: list[RegionRating]


__all__ = ["MONTH_PATTERN", "RATINGS_PATH", "RatingsResponse", "RegionRating"]
