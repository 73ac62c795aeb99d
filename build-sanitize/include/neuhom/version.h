#ifndef neuhom_version_h
#define neuhom_version_h

#define NEUHOM_VERSION "0.1.0"

#endif
