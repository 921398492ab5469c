"""Vision: sampled camera/screen frames for the interviewer and a parallel, observable-only
analysis (local face geometry + periodic Gemini review) stored as observations.

Heavy native modules (mediapipe, LiteRT) are imported only when the first frame is analysed.
"""

from .sampler import PhaseAwareSampler
from .service import VisionService
from .settings import VisionSettings

__all__ = ["PhaseAwareSampler", "VisionService", "VisionSettings"]
