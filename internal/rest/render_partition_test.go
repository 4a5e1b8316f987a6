package rest

import (
	"math/rand"
	"testing"
	"time"
)

// TestRefCodeTime: a reference code's time stamp is written as
// AppendFormat writes "01/02/2006 15:04:05", for times of any year.
func TestRefCodeTime(t *testing.T) {
	times := []time.Time{
		time.Date(2026, 12, 5, 23, 59, 59, 999, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(999, 3, 4, 5, 6, 7, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 6, 7, 8, 9, 10, 0, time.UTC),
	}
	rng := rand.New(rand.NewSource(1))
	for range 2000 {
		times = append(times, time.UnixMilli(rng.Int63n(1<<45)-1<<43).UTC())
	}
	for _, tm := range times {
		want := tm.AppendFormat([]byte("x="), "01/02/2006 15:04:05")
		if got := appendRefCodeTime([]byte("x="), tm); string(got) != string(want) {
			t.Errorf("%v: %q, want %q", tm, got, want)
		}
	}
}
