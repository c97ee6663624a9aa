package sources

import (
	"errors"
	"strings"
)

// Validate checks the options of a file source; its errors start with the
// configuration key at fault ("format: ..."), or say which required key is
// missing. A file source has no defaults to fill: Format FormatAuto
// chooses by the file name when the source is built (FormatFor). NewFile
// does not call it; the configuration parser does, to place an error on
// the key's line.
func (o *FileOptions) Validate() error {
	switch {
	case o.Name == "":
		return errors.New("name: must not be empty")
	case o.Path == "":
		return errors.New(`missing required key "path"`)
	case strings.ContainsRune(o.Path, 0):
		return errors.New("path: must not contain NUL")
	}
	return CheckFormat(o.Format)
}
