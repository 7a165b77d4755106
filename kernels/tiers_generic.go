package kernels

// supportedTiers returns the tiers this build and CPU run, best first. Only
// the generic tier exists so far; assembly tiers are added in front of it.
func supportedTiers() []*tier { return []*tier{genericTier} }
