//go:build (!amd64 && !arm64) || purego

package kernels

// supportedTiers returns the tiers this build and CPU run, best first: the
// generic tier alone without assembly (other architectures, or the purego
// build tag).
func supportedTiers() []*tier { return []*tier{genericTier} }
