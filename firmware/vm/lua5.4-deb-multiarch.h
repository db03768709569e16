/* firmware/vm/lua5.4-deb-multiarch.h: Debian's lua5.4 patches luaconf.h
 * to take the multiarch triplet from this generated header, for the
 * package library's search paths.  The lamp builds no package library
 * (apps cannot load modules), so any value serves. */
#define DEB_HOST_MULTIARCH "arm-none-eabi"
