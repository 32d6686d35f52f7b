/**
 * PyTorch 1.13 (CPU) figures quoted in the benchmark issue, measured on this machine class but NOT
 * in this run: ratios against them are indicative only, and the table labels them so.
 */
export const PYTORCH_REFERENCE = {
  source: 'PyTorch 1.13 CPU, figures quoted in the tapegrad benchmark issue (measured elsewhere, not in this run)',
  cnnEpochSecondsOneThread: 8.5,
  cnnEpochSecondsTwoThreads: [6.2, 6.5] as const,
  fnnEpochSecondsOneThread: 0.5,
  inferenceImagesPerSecondOneThread: [6500, 8200] as const,
  /** f32x4 FMA register-only peak of one core. */
  peakGflopsOneCore: [51, 56] as const,
};
