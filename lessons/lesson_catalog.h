// The course on disk: every folder below the lessons directory that holds a lesson.json, in
// folder-name order ("01-...", "02-..."). The directory is $VIRTLAB_LESSONS when set, else the
// source tree's lessons/course, else the installed share/virtlab/lessons.
#pragma once

#include <QString>
#include <QStringList>

#include "lessons/lesson.h"

namespace vl::lessons {

class LessonCatalog {
public:
    // Throws vl::Error(System) naming where it looked when no lessons directory exists.
    LessonCatalog();
    explicit LessonCatalog(QString directory);

    const QString& directory() const { return directory_; }
    QStringList ids() const;                 // folder names, sorted
    Lesson load(const QString& id) const;    // throws vl::Error(Input): unknown id, broken manifest

    static QString defaultDirectory();

private:
    QString directory_;
};

}  // namespace vl::lessons
