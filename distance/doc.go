// Package distance is segloss's distance family: the exact Euclidean
// distance transform, the signed distance maps of the boundary loss,
// connected components, U-Net's border weight map, and the surface
// metrics (Hausdorff distance and its percentiles, average surface
// distance, normalized surface Dice) that segmentation papers report
// beside Dice.
//
// Volumes are row-major with the last axis contiguous, any number of axes,
// one float64 spacing per axis (Options.Spacing; distances are in its
// units). Masks are uint8, nonzero meaning object. Every function checks
// its arguments and returns an error value wrapping ErrShape, ErrLength,
// ErrSpacing, ErrOption or ErrLabel; none modifies its inputs or panics.
//
// The transform is separable and exact: a first pass along the contiguous
// axis finds each voxel's 1-D distance to the background, and each other
// axis takes the lower envelope of parabolas of Felzenszwalb and
// Huttenlocher over the previous pass's squared distances, in float64
// within a line (internal/kernels.EDTBinaryLine and EDTEnvelope, the
// specification), or, on the assembly tiers, by a scan outward from each
// voxel of eight lines at once that stops where the step alone is no
// better (internal/kernels.EDTScan), for every line whose background lies
// within 128 voxels of each of its voxels; at unit spacing both give the
// same bits, with other spacings the same within float32 rounding. A line
// splits at its zeros into independent runs (a
// background voxel beats every parabola behind it), which are the mask's
// zeros in every pass: strided axes are processed in tiles of 64 lines
// whose runs of object voxels are found from the mask 64 lanes a word, and
// whose rows with an object voxel are copied in and out whole; background
// costs nothing after the first pass. Surfaces transforms only the lines
// its distances read. Lines are independent: a call splits them
// across Options.Workers goroutines and the result is bit-identical for
// every worker count; every loop is Go, so no call holds up the scheduler.
//
// Conventions against the peers: EDT is scipy's distance_transform_edt
// (but +Inf everywhere for a mask without background); SignedMap is
// Kervadec et al.'s one_hot2dist (0 for a class absent or everywhere);
// Components numbers as scipy.ndimage.label; WeightMap is the common port
// of U-Net's eq. 2 (border term on background, balanced class weights by
// default); Surfaces follows MONAI's non-subvoxel metrics (edges = mask
// minus its erosion, the image border counting as background; NaN and
// +Inf for empty masks, or EmptyBounded). The golden cases of
// testdata/distance.json.gz (testdata/distance_golden.py, scipy) check
// every one of them.
package distance
