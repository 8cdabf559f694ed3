# The Debian package (deploy/local package; the `package` test label checks it): the binary in
# /usr/bin, the configuration in /etc/mcu (conffiles), the systemd unit, the maintainer scripts
# beside this file. CPack's DEB generator builds it from these install rules; dpkg-shlibdeps
# derives the library dependencies from the binary, so they are always the ones it links.
set(MCU_DEBIAN_DIR ${PROJECT_SOURCE_DIR}/deploy/debian)

install(TARGETS mcu RUNTIME DESTINATION bin)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/mcu.toml.example DESTINATION /etc/mcu RENAME mcu.toml)
# The database URL may carry a password: not world-readable even before postinst gives its
# group to mcu.
install(FILES ${MCU_DEBIAN_DIR}/mcu.env DESTINATION /etc/mcu
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${MCU_DEBIAN_DIR}/mcu.service DESTINATION lib/systemd/system)
# Debian's documentation: the copyright file, the changelog compressed the reproducible way
# (gzip -n: no name or time stamp in it), and the README.
set(MCU_CHANGELOG_GZ ${CMAKE_BINARY_DIR}/changelog.gz)
add_custom_command(OUTPUT ${MCU_CHANGELOG_GZ}
  COMMAND gzip -9nc ${MCU_DEBIAN_DIR}/changelog > ${MCU_CHANGELOG_GZ}
  DEPENDS ${MCU_DEBIAN_DIR}/changelog)
add_custom_target(mcu_debian_changelog ALL DEPENDS ${MCU_CHANGELOG_GZ})
install(FILES ${MCU_DEBIAN_DIR}/copyright ${MCU_CHANGELOG_GZ} ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION share/doc/mcu)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mcu)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Whoever builds a package for others puts their own name here (-DMCU_PACKAGE_MAINTAINER=...).
set(MCU_PACKAGE_MAINTAINER "mcu developers <mcu-devel@example.org>"
    CACHE STRING "The Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT "${MCU_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SIP audio conference server (multipoint control unit)")
string(JOIN "\n" CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Callers dial a SIP URI over UDP, TCP or TLS and land in a conference room"
    "where everyone hears everyone else (Opus, G.722, G.711; SRTP). Rooms and"
    "live participants are managed over a REST API backed by PostgreSQL;"
    "integrators add calls with REFER, Replaces and dial-out.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION comm)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The GStreamer elements the mixer builds its codec chains from are plugins, not linked
# libraries, which dpkg-shlibdeps cannot see: opus, app, ogg, playback (base), mulaw and
# wavparse (good), G.722 (libav). adduser makes the service's user.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "adduser, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-libav")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${MCU_DEBIAN_DIR}/conffiles ${MCU_DEBIAN_DIR}/postinst ${MCU_DEBIAN_DIR}/prerm
    ${MCU_DEBIAN_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# cpack packages what is built and never builds: its preinstall step would otherwise run a whole
# `make all`, and the package test (which runs cpack beside the other suites) then rebuilt a
# tree whose sources had changed under the tests using it. Whoever packages builds first
# (deploy/local package does; the package test depends on the binary and the changelog).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CPack)
