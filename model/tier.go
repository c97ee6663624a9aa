package model

// Tier thresholds of SPEC §4 for the duration metrics, in seconds: elite
// below the first, high below the second, medium below the third.
var (
	leadTimeBounds = [3]float64{86400, 7 * 86400, 30 * 86400}
	restoreBounds  = [3]float64{3600, 86400, 7 * 86400}
)

// LeadTimeBounds returns the lead time tier thresholds in seconds.
func LeadTimeBounds() [3]float64 { return leadTimeBounds }

// RestoreBounds returns the time to restore tier thresholds in seconds.
func RestoreBounds() [3]float64 { return restoreBounds }

func tierPtr(t Tier) *Tier { return &t }

// durationTier tiers a median; nil when there is none.
func durationTier(median *float64, b [3]float64) *Tier {
	if median == nil {
		return nil
	}
	switch m := *median; {
	case m < b[0]:
		return tierPtr(TierElite)
	case m < b[1]:
		return tierPtr(TierHigh)
	case m < b[2]:
		return tierPtr(TierMedium)
	}
	return tierPtr(TierLow)
}

// frequencyTier tiers count deployments over days days: per day ≥ 1 elite,
// ≥ 1/7 high, ≥ 1/30 medium, else low; nil without deployments. Integer
// arithmetic keeps the boundaries exact.
func frequencyTier(count, days int) *Tier {
	switch {
	case count == 0:
		return nil
	case count >= days:
		return tierPtr(TierElite)
	case 7*count >= days:
		return tierPtr(TierHigh)
	case 30*count >= days:
		return tierPtr(TierMedium)
	}
	return tierPtr(TierLow)
}

// failureTier tiers a change failure rate: ≤ 5 % elite, ≤ 10 % high,
// ≤ 15 % medium, else low; nil without deployments.
func failureTier(failures, deployments int) *Tier {
	switch {
	case deployments == 0:
		return nil
	case 20*failures <= deployments:
		return tierPtr(TierElite)
	case 10*failures <= deployments:
		return tierPtr(TierHigh)
	case 20*failures <= 3*deployments:
		return tierPtr(TierMedium)
	}
	return tierPtr(TierLow)
}
