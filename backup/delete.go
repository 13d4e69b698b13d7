package backup

import (
	"context"
	"fmt"
)

// Delete removes every object of the backup in st (a backup's location): the manifest first, so a deletion cut
// short leaves an incomplete backup that is never listed or restored, then the chunks, then any unfinished
// multipart upload. Deleting a location that holds nothing is not an error. It returns the objects deleted.
func Delete(ctx context.Context, st Store) (int, error) {
	keys, err := st.List(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("list the backup's objects: %w", err)
	}
	if err := st.Delete(ctx, ManifestKey); err != nil {
		return 0, fmt.Errorf("delete the manifest: %w", err)
	}
	n := 0
	for _, k := range keys {
		if k == ManifestKey {
			n++
			continue
		}
		if err := st.Delete(ctx, k); err != nil {
			return n, err
		}
		n++
	}
	if _, err := st.AbortUploads(ctx, ""); err != nil {
		return n, err
	}
	return n, nil
}
