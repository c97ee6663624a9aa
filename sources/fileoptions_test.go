package sources

import (
	"strings"
	"testing"
)

// TestFileOptionsValidate: each invalid option names its key.
func TestFileOptionsValidate(t *testing.T) {
	ok := FileOptions{Name: "f", Path: "/data/x.json"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid options: %v", err)
	}
	for _, tt := range []struct {
		name string
		edit func(*FileOptions)
		want string
	}{
		{"no name", func(o *FileOptions) { o.Name = "" }, "name: "},
		{"no path", func(o *FileOptions) { o.Path = "" }, `missing required key "path"`},
		{"NUL in path", func(o *FileOptions) { o.Path = "a\x00b" }, "path: "},
		{"bad format", func(o *FileOptions) { o.Format = Format(7) }, "format: Format(7) is not auto, json or ndjson"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			if err := o.Validate(); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want prefix %q", err, tt.want)
			}
		})
	}
}
