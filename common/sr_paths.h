/* sr_paths — where sandboxrun's own files are: next to the binary in a build
 * tree (build/../policies), or under the installation's share directory. */
#ifndef SR_PATHS_H
#define SR_PATHS_H

/* Directory of the running executable (static buffer), or NULL. */
const char *sr_paths_exe_dir(void);
/* First existing of REL in a build tree next to the executable, in an
 * installation's share/sandboxrun relative to it (so a moved or DESTDIR
 * installation works), then SR_DATADIR/REL; a new string (caller frees), or
 * NULL if none exists. */
char *sr_paths_find(const char *rel);
/* First existing of EXE_DIR/NAME, EXE_DIR/../NAME, EXE_DIR/../libexec/sandboxrun/NAME
 * and LIBEXECDIR/NAME; NULL if none. */
char *sr_paths_find_exe(const char *name, const char *libexecdir);

#endif
