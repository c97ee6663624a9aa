package ui

import "testing"

func TestAxisLabel(t *testing.T) {
	cases := []struct {
		metric metricID
		v      float64
		want   string
	}{
		{metricFrequency, 26, "26"},
		{metricFrequency, 13.28888888888889, "13.3"},
		{metricFrequency, 0.25, "0.3"},
		{metricLeadTime, 3600, "1h"},
	}
	for _, c := range cases {
		d := &detail{metric: c.metric}
		if got := d.axisLabel(c.v); got != c.want {
			t.Errorf("axisLabel(%v, %v) = %q, want %q", c.metric, c.v, got, c.want)
		}
	}
}
