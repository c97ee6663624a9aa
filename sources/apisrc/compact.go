package apisrc

import "encoding/json"

// Compact is a Request.Compact that re-encodes a JSON body as T (a struct
// of the fields a source reads, or a slice of them for a list), so that
// cached pages stay small. T's JSON field names are part of the cache's
// format on disk.
func Compact[T any](body []byte) ([]byte, error) {
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
