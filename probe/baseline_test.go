package probe

import (
	"context"
	"testing"
)

func TestBaselineConfigErrors(t *testing.T) {
	sink := func(int, uint32, int64, int64) {}
	for _, n := range []int{1, -3, MaxBaselineInstances + 1} {
		if _, err := StartBaseline(context.Background(), BaselineConfig{Instances: n, OnSample: sink}); err == nil {
			t.Errorf("StartBaseline with %d instances: no error", n)
		}
	}
	if _, err := StartBaseline(context.Background(), BaselineConfig{}); err == nil {
		t.Error("StartBaseline without OnSample: no error")
	}
}
