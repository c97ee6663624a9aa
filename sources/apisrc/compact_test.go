package apisrc

import "testing"

func TestCompact(t *testing.T) {
	type item struct {
		ID   int    `json:"id"`
		Name string `json:"name,omitempty"`
	}
	for _, tc := range []struct {
		name, body, want string
		fn               func([]byte) ([]byte, error)
	}{
		{"object keeps T's fields", `{"id":1,"name":"a","extra":{"deep":[1,2]}}`, `{"id":1,"name":"a"}`, Compact[item]},
		{"list keeps each element's fields", `[{"id":1,"x":1},{"id":2,"name":"b","y":[]}]`, `[{"id":1},{"id":2,"name":"b"}]`, Compact[[]item]},
		{"empty list", `[]`, `[]`, Compact[[]item]},
		{"null list", `null`, `null`, Compact[[]item]},
		{"not JSON", `<html>`, "", Compact[item]},
		{"not a list", `{"id":1}`, "", Compact[[]item]},
	} {
		got, err := tc.fn([]byte(tc.body))
		if (err != nil) != (tc.want == "") || string(got) != tc.want {
			t.Errorf("%s: got %s, %v; want %s", tc.name, got, err, tc.want)
		}
	}
}
