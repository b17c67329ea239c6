#include "lessons/lesson_catalog.h"

#include <QDir>
#include <QFileInfo>

#include "core/error.h"

namespace vl::lessons {

QString LessonCatalog::defaultDirectory() {
    const QString from_env = qEnvironmentVariable("VIRTLAB_LESSONS");
    const QStringList candidates = {from_env, VIRTLAB_SOURCE_LESSONS_DIR, "/usr/local/share/virtlab/lessons",
                                    "/usr/share/virtlab/lessons"};
    QStringList looked;
    for (const QString& dir : candidates) {
        if (dir.isEmpty()) continue;
        if (QFileInfo(dir).isDir()) return QDir(dir).absolutePath();
        looked << dir;
    }
    throw Error(Error::Kind::System,
                "no lessons directory (looked in " + looked.join(", ").toStdString() + "; set VIRTLAB_LESSONS)");
}

LessonCatalog::LessonCatalog() : directory_(defaultDirectory()) {}

LessonCatalog::LessonCatalog(QString directory) : directory_(std::move(directory)) {
    if (!QFileInfo(directory_).isDir()) throwInput(directory_.toStdString() + ": not a lessons directory");
}

QStringList LessonCatalog::ids() const {
    QStringList out;
    const auto entries = QDir(directory_).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& name : entries)
        if (QFileInfo(directory_ + "/" + name + "/lesson.json").isFile()) out << name;
    return out;
}

Lesson LessonCatalog::load(const QString& id) const {
    if (!ids().contains(id))
        throwInput("no lesson '" + id.toStdString() + "' in " + directory_.toStdString() +
                   " (see `virtlab lesson list`)");
    Lesson lesson = loadLesson(directory_ + "/" + id);
    // A prerequisite the course does not have would lock the lesson for ever in the GUI.
    const QStringList known = ids();
    for (qsizetype i = 0; i < lesson.prerequisites.size(); ++i) {
        const QString& p = lesson.prerequisites[i];
        if (p == id || !known.contains(p))
            throwInput(lesson.manifestPath().toStdString() + ": prerequisites[" + std::to_string(i) + "]: " +
                       (p == id ? "a lesson cannot require itself" : "no lesson '" + p.toStdString() + "' in the course"));
    }
    return lesson;
}

}  // namespace vl::lessons
