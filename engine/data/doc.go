// Package data holds labelled image sets with region-of-interest masks, the
// built-in synthetic Crosses set, and the mask-based input transforms used by
// training (/work/shared/docs/METHODS.md).
//
// Conventions:
//   - Images are float32 in NCHW layout, flat and row-major; masks are N×H×W
//     (one channel). Letters N, C, H, W are the image count, channels,
//     height and width.
//   - A mask pixel is inside the region of interest when its value is greater
//     than 0.5; O = 1 − M is "outside".
//   - Generators are deterministic for a seed: they use math/rand/v2 with PCG
//     sources, one stream per split.
//   - Transforms write into dst and allocate only when no scratch space is
//     given. Dimension mismatches are programmer errors and panic with a
//     "data: " message; bad configurations and inconsistent sets return
//     errors.
//   - Nothing here uses syscall/js, so the package builds for js/wasm. Only
//     Decoy reads files, through io/fs (an fs.FS can replace the operating
//     system's files).
package data
