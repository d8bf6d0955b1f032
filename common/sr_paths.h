/* sr_paths — where sandboxrun's own files are: next to the binary in a build
 * tree (build/../policies), or under the installation's share directory. */
#ifndef SR_PATHS_H
#define SR_PATHS_H

/* Directory of the running executable (static buffer), or NULL. */
const char *sr_paths_exe_dir(void);
/* First existing of EXE_DIR/../REL, EXE_DIR/../../REL, EXE_DIR/REL and SR_DATADIR/REL, as a new
 * string (caller frees); NULL if none exists. */
char *sr_paths_find(const char *rel);
/* First existing of EXE_DIR/NAME, EXE_DIR/../NAME and LIBEXECDIR/NAME; NULL if none. */
char *sr_paths_find_exe(const char *name, const char *libexecdir);

#endif
